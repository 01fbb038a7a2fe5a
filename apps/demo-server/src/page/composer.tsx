import { useState } from 'preact/hooks';

interface ComposerProps {
  canSend: boolean;
  /** Resolves true when the message went out (the box is then cleared). */
  onSend: (text: string) => Promise<boolean>;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ canSend, onSend }: ComposerProps) {
  const [text, setText] = useState('');

  const submit = async (): Promise<void> => {
    if (!canSend || text.trim() === '') return;
    if (await onSend(text)) setText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <div class="composer-label">
        <label for="message">Message</label>
        <span id="message-hint" class="muted small">
          Enter sends · Shift+Enter for a new line
        </span>
      </div>
      <div class="composer-row">
        <textarea
          id="message"
          name="message"
          rows={2}
          value={text}
          placeholder="Ask something, or name a tool"
          aria-describedby="message-hint"
          onInput={(event) => setText(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              void submit();
            }
          }}
        />
        <button type="submit" class="primary" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}
