// A kind agoractl does not ship, in one module: what a new kind declares to the seam. Its "Agora"
// is an in-memory service (WidgetService) whose calls take the same send hooks as the real
// client's, so the engine's write-ahead runs as it does for every kind.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SendHooks } from '../../src/agora/call.ts';
import { actionFactory } from '../../src/resources/action.ts';
import { ActionError, ACTION_ERROR } from '../../src/resources/action-error.ts';
import type { KindModule, ObservedResource } from '../../src/resources/kind.ts';

export const WIDGET = 'Widget';
/** The product id of the widget service's notifications. */
export const WIDGET_PRODUCT_ID = 99;

export interface WidgetSpec {
  size: number;
  color?: string;
}
/** Kept in state: the size last applied. */
export interface WidgetData {
  size?: number;
}
export interface WidgetDetail {
  id?: string;
  size?: number;
}

/** The remote widgets: id → name and size; calls run the hooks as the real client does. */
export class WidgetService {
  readonly widgets = new Map<string, { name: string; size: number }>();
  /** Runs as each call reaches the service, after its write-ahead hook, with the widget's name. */
  onSent: (name: string) => Promise<void> = () => Promise.resolve();
  #next = 0;

  async create(name: string, size: number, hooks: SendHooks): Promise<string> {
    await this.#send(hooks, name);
    const id = `w-${++this.#next}`;
    this.widgets.set(id, { name, size });
    return id;
  }

  async resize(id: string, size: number, hooks: SendHooks): Promise<void> {
    await this.#send(hooks, this.widgets.get(id)?.name ?? id);
    const widget = this.widgets.get(id);
    if (widget) widget.size = size;
  }

  async delete(id: string, hooks: SendHooks): Promise<void> {
    await this.#send(hooks, this.widgets.get(id)?.name ?? id);
    this.widgets.delete(id);
  }

  async #send(hooks: SendHooks, name: string): Promise<void> {
    if (hooks.signal?.aborted) throw new Error('abandoned before it was sent');
    await hooks.beforeSend?.();
    await this.onSent(name);
  }
}

const SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'agoractl/v1' },
    kind: { const: WIDGET },
    metadata: {
      type: 'object',
      required: ['name', 'project'],
      additionalProperties: false,
      properties: { name: { type: 'string', pattern: '^[a-z0-9-]{1,32}$' }, project: { type: 'string' } },
    },
    spec: {
      type: 'object',
      required: ['size'],
      additionalProperties: false,
      properties: { size: { type: 'integer', minimum: 1, maximum: 10 }, color: { type: 'string' } },
    },
  },
};

export function createWidgetModule(service: WidgetService): KindModule<WidgetSpec, WidgetData, WidgetDetail> {
  return {
    kind: WIDGET,
    manifest: { validate: new Ajv2020({ allErrors: true, verbose: true }).compile(SCHEMA), quota: { key: 'playersPerProject', noun: 'widgets' } },
    dataVersion: 1,
    decode: (data) => (data.size === undefined || typeof data.size === 'number' ? { ...(typeof data.size === 'number' ? { size: data.size } : {}) } : undefined),
    observe: () => {
      const resources = new Map<string, ObservedResource>();
      for (const [id, w] of service.widgets) resources.set(w.name, { name: w.name, externalId: id, fields: { size: w.size } });
      return Promise.resolve({ resources, quotaUsed: service.widgets.size, calls: 1 });
    },
    diff(input) {
      const { desired, observed, state } = input;
      const action = actionFactory<WidgetDetail>(input, WIDGET, {});
      if (!desired) return state?.externalId ? [action('delete', 'removed from the manifests', { detail: { id: state.externalId }, quotaDelta: -1 })] : [];
      if (!observed) return [action('create', 'declared, absent', { detail: { size: desired.spec.size }, quotaDelta: 1 })];
      if (!state) return [action('conflict', 'a widget of that name exists and is not managed', { blocked: true })];
      if (observed.fields.size !== desired.spec.size) return [action('update', 'size differs', { detail: { id: observed.externalId, size: desired.spec.size }, changes: [{ path: 'size', before: observed.fields.size, after: desired.spec.size }] })];
      return [];
    },
    async execute(action, ctx) {
      const { id, size } = action.detail;
      switch (action.type) {
        case 'create': {
          const created = await ctx.send({ action: 'create' }, (hooks) => service.create(action.name, size ?? 1, hooks));
          return { type: 'recorded', externalId: created, data: { size } };
        }
        case 'update':
          await ctx.send({ action: 'update' }, (hooks) => service.resize(id ?? '', size ?? 1, hooks));
          return { type: 'recorded', externalId: id, data: { size } };
        case 'delete':
          await ctx.send({ action: 'delete' }, (hooks) => service.delete(id ?? '', hooks));
          return { type: 'removed' };
        default:
          throw new ActionError(action.reason, ACTION_ERROR.conflict);
      }
    },
    notificationTarget(notification) {
      if (notification.productId !== WIDGET_PRODUCT_ID) return undefined;
      const id = notification.payload['widgetId'];
      return typeof id === 'string' ? { kind: WIDGET, externalId: id, eventType: notification.eventType } : undefined;
    },
  };
}
