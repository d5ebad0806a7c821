import { describe, expect, it } from 'vitest';
import { toBaseOs, toOsTopic } from '../../src/model/base-os.ts';

describe('toBaseOs', () => {
  it.each([
    ['docker', 'ubuntu:22.04', 'ubuntu'],
    ['library', 'alpine:3.9', 'alpine'],
    ['localimage', '/tmp/base.sif', undefined],
    ['Docker', 'Ubuntu:22.04', 'ubuntu'],
    ['docker', 'docker.io/library/debian:bookworm-slim', 'debian'],
    ['docker', 'docker://ubuntu', 'ubuntu'],
    ['docker', 'ubuntu@sha256:0123456789abcdef', 'ubuntu'],
    ['docker', 'localhost:5000/ubuntu:24.04', 'ubuntu'],
    ['docker', 'rockylinux/rockylinux:9', 'rocky'],
    ['docker', 'quay.io/centos/centos:stream9', 'centos'],
    ['docker', 'registry.access.redhat.com/ubi9/ubi-minimal', 'rhel'],
    ['docker', 'opensuse/leap:15.5', 'opensuse'],
    ['docker', 'nvidia/cuda:12.2.0-devel-ubuntu22.04', 'ubuntu'],
    ['docker', 'python:3.12-slim-bookworm', 'debian'],
    ['docker', 'python:3.12-alpine3.19', 'alpine'],
    ['docker', 'python:3.12', undefined],
    ['docker', 'continuumio/miniconda3:latest', undefined],
    ['docker', 'myorg/tool:multi-arch', undefined],
    ['docker', 'constructor', undefined],
    ['docker', 'toString:__proto__', undefined],
    ['library', 'library://sylabs/default/alpine:3.9', 'alpine'],
    ['library', 'sylabs/default/busybox', 'busybox'],
    ['shub', 'vsoch/hello-world', undefined],
    ['oras', 'ghcr.io/lab/fedora:39', 'fedora'],
    ['busybox', undefined, 'busybox'],
    ['arch', undefined, 'archlinux'],
    ['debootstrap', 'bookworm', undefined],
    ['yum', undefined, undefined],
    ['scratch', undefined, undefined],
    ['docker', undefined, undefined],
    [undefined, 'ubuntu:22.04', undefined],
    ['docker', '   ', undefined],
  ])('%s + %s → %s', (bootstrap, from, expected) => {
    expect(toBaseOs(bootstrap, from)).toBe(expected);
  });
});

describe('toOsTopic', () => {
  it.each([
    ['ubuntu', 'ubuntu'],
    ['rocky', 'rocky'],
    ['opensuse-leap', 'opensuse'],
    ['amzn', 'amazonlinux'],
    ['ol', 'oraclelinux'],
    ['neurodebian_x', 'neurodebian-x'],
    ['<script>', undefined],
    ['', undefined],
  ])('%s → %s', (id, expected) => {
    expect(toOsTopic(id)).toBe(expected);
  });
});
