// GET /v1/ncs/ip: the addresses Agora's message notification server sends from, for a
// firewall allow-list (docs-portal cloud-recording.en.yaml `get-ncs-ip`, and the same operation
// in media-pull.zh-CN.yaml). The emulator sends its notifications from this machine, so the
// one address it names is loopback.
import type { HttpApp } from '../http/app.ts';

export const NCS_PATH = '/v1/ncs/ip';
export const EMULATOR_NOTIFIER_IP = '127.0.0.1';

export function registerNcsIpRoute(app: HttpApp): void {
  app.get(NCS_PATH, () => ({ data: { service: { hosts: [{ primaryIP: EMULATOR_NOTIFIER_IP }] } } }));
}
