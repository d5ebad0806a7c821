import { UsageError } from '../errors.ts';
import { parseS3Url } from '../storage/s3-url.ts';
import { defineCommand } from './command.ts';

export default defineCommand({
  name: 'deploy',
  description:
    'To a folder (DIR): installs the built site for a web server on this machine: a copy in\n' +
    'DIR/sites/, and DIR/current switched to it by one rename of a symbolic link; the site before is\n' +
    'kept until the next deploy. Serve DIR/current (`sifhub nginx-config --root DIR/current`).\n' +
    'To s3://: uploads the built site (dist/) to S3, Cloudflare R2, Ceph, MinIO or any S3-compatible store, configured\n' +
    'the AWS SDK\'s standard way (AWS_REGION, AWS_ENDPOINT_URL, keys, a profile or a role). Only files\n' +
    'whose bytes changed are sent: assets first, then pages and API files, then the shub manifests, so\n' +
    'a client never finds a link to a file not there yet; files the site no longer has are removed last,\n' +
    'and only those an earlier deploy put there. Stopped halfway, it is safe to run again.',
  arguments: [{ name: 's3://BUCKET[/PREFIX] | DIR', help: 'where the site goes: a bucket (PREFIX: the path of registry.yml\'s url, if any), or a folder a web server serves' }],
  options: {
    dir: { type: 'string', value: 'DIR', default: 'dist', help: 'the built site' },
    'dry-run': { type: 'boolean', default: false, help: 'say what would be sent and removed, and change nothing' },
  },
  async run(values, [target]) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!) && !target!.startsWith('s3://')) throw new UsageError(`deploy expects s3://BUCKET[/PREFIX] or a folder, received "${target}"`, 'deploy');
    if (!target!.startsWith('s3://')) {
      if (values['dry-run']) throw new UsageError('--dry-run goes with s3:// (a folder deploy changes nothing until its last step)', 'deploy');
      const [{ deployToDir }, { done }] = await Promise.all([import('../deploy/deploy-dir-fs.ts'), import('./output.ts')]);
      const deployed = await deployToDir(values.dir, target!);
      console.log(done(`Deployed ${values.dir}/ to ${target}/current (${deployed.site})${deployed.previous ? `; the site before stays in ${deployed.previous} until the next deploy` : ''}. With library: nginx, reload nginx now (its map changed).`));
      return;
    }
    const location = parseS3Url(target!);
    if (typeof location === 'string') throw new UsageError(location, 'deploy');
    const [{ deploySite }, { makeS3Client }, { progressBar }, { done }, { formatBytes }] = await Promise.all([
      import('../deploy/deploy-s3.ts'),
      import('../storage/s3.ts'),
      import('./progress-tty.ts'),
      import('./output.ts'),
      import('../site/format.ts'),
    ]);
    const dryRun = values['dry-run'];
    const client = makeS3Client();
    const report = await deploySite({ client, location, dir: values.dir, dryRun, progress: (total) => progressBar('Uploading', total) });
    const { plan } = report;
    const count = (n: number, what: string) => `${n.toLocaleString('en')} ${what}${n === 1 ? '' : 's'}`;
    const sent = plan.waves.map((w) => `${w.uploads.length.toLocaleString('en')} ${w.name}`).join(', ') || 'nothing';
    if (dryRun) {
      console.log(`Would send ${sent} (${formatBytes(report.uploadedBytes)}), remove ${count(plan.deletes.length, 'file')}; ${count(plan.unchanged, 'file')} unchanged. Nothing was changed.`);
      for (const wave of plan.waves) for (const upload of wave.uploads.slice(0, 20)) console.log(`  send    ${upload.key}  (${upload.contentType})`);
      for (const key of plan.deletes.slice(0, 20)) console.log(`  remove  ${key}`);
      return;
    }
    console.log(done(`Deployed ${values.dir}/ to ${target}: sent ${sent} (${formatBytes(report.uploadedBytes)}), removed ${count(plan.deletes.length, 'file')}; ${count(plan.unchanged, 'file')} unchanged`));
  },
});
