// Copy buttons beside commands: shown only when the script runs (the text itself is always
// selectable), copying the command's text, then saying "Copied" for a moment where a screen
// reader hears it.

const SAID_MS = 2000;

export function enhanceCopyButtons(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    const code = button.parentElement?.querySelector('pre code');
    if (!code || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(code.textContent ?? '').then(
        () => say(button, 'Copied'),
        () => say(button, 'Select and copy'),
      );
    });
  }
}

function say(button: HTMLButtonElement, text: string): void {
  button.textContent = text;
  button.setAttribute('aria-live', 'polite');
  setTimeout(() => (button.textContent = 'Copy'), SAID_MS);
}
