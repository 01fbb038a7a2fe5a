import type { ElicitationRequestEvent } from '@claude-gateway/core';
import { useState } from 'preact/hooks';
import type { ElicitationView } from './state.js';

/** What the person sends back. */
export interface ElicitationReply {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

interface Field {
  key: string;
  title: string;
  description?: string;
  kind: 'text' | 'number' | 'integer' | 'boolean' | 'select' | 'multi';
  /** `type` of a text input (`email`, `url`, `date`...). */
  inputType: string;
  options: { value: string; label: string }[];
  required: boolean;
  initial: unknown;
  /**
   * The schema's bounds as input attributes (`min`/`max` of a number,
   * `minlength`/`maxlength` of a text), so the browser refuses an answer out
   * of range at the field, before it is sent.
   */
  limits: { min?: number; max?: number; minLength?: number; maxLength?: number };
}

function numberAt(schema: Schema, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function limitsOf(prop: Schema, kind: Field['kind']): Field['limits'] {
  const pick = (pairs: [keyof Field['limits'], string][]): Field['limits'] => {
    const limits: Field['limits'] = {};
    for (const [name, key] of pairs) {
      const value = numberAt(prop, key);
      if (value !== undefined) limits[name] = value;
    }
    return limits;
  };
  if (kind === 'number' || kind === 'integer')
    return pick([
      ['min', 'minimum'],
      ['max', 'maximum'],
    ]);
  if (kind === 'text')
    return pick([
      ['minLength', 'minLength'],
      ['maxLength', 'maxLength'],
    ]);
  return {};
}

type Schema = Record<string, unknown>;

const FORMAT_INPUT: Record<string, string> = {
  email: 'email',
  uri: 'url',
  date: 'date',
  'date-time': 'datetime-local',
};

function optionsOf(schema: Schema): { value: string; label: string }[] {
  const names = Array.isArray(schema.enumNames) ? (schema.enumNames as unknown[]) : [];
  if (Array.isArray(schema.enum)) {
    return (schema.enum as unknown[]).map((value, i) => ({
      value: String(value),
      label: typeof names[i] === 'string' ? names[i] : String(value),
    }));
  }
  const choices = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(choices)) {
    return choices
      .filter((c) => c && 'const' in c)
      .map((c) => ({
        value: String(c.const),
        label: typeof c.title === 'string' ? c.title : String(c.const),
      }));
  }
  return [];
}

/** The form fields of a requested schema (a flat object of primitive properties). */
export function fieldsOf(schema: unknown): Field[] {
  const root = (schema ?? {}) as Schema;
  const properties = (root.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(root.required) ? (root.required as string[]) : []);
  return Object.entries(properties).map(([key, prop]) => {
    const type = prop.type;
    const options = optionsOf(prop);
    const itemOptions = type === 'array' ? optionsOf((prop.items ?? {}) as Schema) : [];
    const kind: Field['kind'] =
      type === 'boolean'
        ? 'boolean'
        : type === 'integer'
          ? 'integer'
          : type === 'number'
            ? 'number'
            : type === 'array'
              ? 'multi'
              : options.length > 0
                ? 'select'
                : 'text';
    return {
      key,
      title: typeof prop.title === 'string' ? prop.title : key,
      ...(typeof prop.description === 'string' && { description: prop.description }),
      kind,
      inputType: FORMAT_INPUT[String(prop.format)] ?? 'text',
      options: kind === 'multi' ? itemOptions : options,
      required: required.has(key),
      initial: prop.default,
      limits: limitsOf(prop, kind),
    };
  });
}

/** The answer's content from the form's values: empty optional fields are left out (the server fills in defaults). */
export function contentOf(
  fields: Field[],
  values: Record<string, unknown>,
): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.kind === 'boolean') {
      if (value !== undefined) content[field.key] = value === true;
    } else if (field.kind === 'multi') {
      if (Array.isArray(value) && value.length > 0) content[field.key] = value;
    } else if (field.kind === 'number' || field.kind === 'integer') {
      if (value !== undefined && value !== '') content[field.key] = Number(value);
    } else if (typeof value === 'string' && value !== '') {
      content[field.key] = value;
    }
  }
  return content;
}

function initialValues(fields: Field[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.initial !== undefined) values[field.key] = field.initial;
  }
  return values;
}

const OUTCOME_WORDS = {
  accept: 'You answered',
  decline: 'You declined',
  cancel: 'Dismissed',
} as const;

interface ElicitationFormProps {
  elicitation: ElicitationView;
  canAnswer: boolean;
  answering: boolean;
  onRespond: (request: ElicitationRequestEvent, reply: ElicitationReply) => void;
}

/** An MCP server's question: its message and a form generated from the requested schema. */
export function ElicitationForm({
  elicitation,
  canAnswer,
  answering,
  onRespond,
}: ElicitationFormProps) {
  const { request, state, reason } = elicitation;
  const fields = fieldsOf(request.requested_schema);
  const [values, setValues] = useState<Record<string, unknown>>(() => initialValues(fields));
  const set = (key: string, value: unknown) => setValues((v) => ({ ...v, [key]: value }));

  if (state !== 'pending' || !canAnswer) {
    const words =
      state === 'pending'
        ? 'Question no longer open'
        : reason === 'expired'
          ? 'Question expired'
          : reason === 'cancelled'
            ? 'Question cancelled with the run'
            : OUTCOME_WORDS[state];
    return (
      <p class={`approval-outcome elicitation-${state}`}>
        {words} ({request.server}: “{request.message}”)
      </p>
    );
  }

  return (
    <form
      class="approval elicitation"
      aria-label={`Question from ${request.server}`}
      onSubmit={(event) => {
        event.preventDefault();
        onRespond(request, { action: 'accept', content: contentOf(fields, values) });
      }}
    >
      <p>
        <strong>{request.server}</strong> asks: {request.message}
      </p>
      {fields.map((field) => {
        const id = `${request.elicitation_id}-${field.key}`;
        const value = values[field.key];
        return (
          <div class="elicitation-field" key={field.key}>
            <label for={id}>
              {field.title}
              {field.required ? ' *' : ''}
            </label>
            {field.kind === 'boolean' ? (
              <input
                id={id}
                type="checkbox"
                checked={value === true}
                onChange={(e) => set(field.key, e.currentTarget.checked)}
              />
            ) : field.kind === 'select' ? (
              <select
                id={id}
                value={typeof value === 'string' ? value : ''}
                onChange={(e) => set(field.key, e.currentTarget.value)}
              >
                <option value="">—</option>
                {field.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : field.kind === 'multi' ? (
              <select
                id={id}
                multiple
                onChange={(e) =>
                  set(
                    field.key,
                    [...e.currentTarget.selectedOptions].map((o) => o.value),
                  )
                }
              >
                {field.options.map((o) => (
                  <option
                    key={o.value}
                    value={o.value}
                    selected={Array.isArray(value) && value.includes(o.value)}
                  >
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                type={field.kind === 'text' ? field.inputType : 'number'}
                step={field.kind === 'integer' ? 1 : 'any'}
                required={field.required}
                {...field.limits}
                value={typeof value === 'string' || typeof value === 'number' ? String(value) : ''}
                onInput={(e) => set(field.key, e.currentTarget.value)}
              />
            )}
            {field.description !== undefined && <p class="muted small">{field.description}</p>}
          </div>
        );
      })}
      <div class="approval-buttons">
        <button type="submit" class="primary" disabled={answering}>
          Accept
        </button>
        <button
          type="button"
          disabled={answering}
          onClick={() => onRespond(request, { action: 'decline' })}
        >
          Decline
        </button>
        <button
          type="button"
          disabled={answering}
          onClick={() => onRespond(request, { action: 'cancel' })}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
