// GET /v1/ncs/ip and GET /v2/ncs/ip: the addresses Agora's message notification server sends
// from, for a firewall allow-list. v1 is `get-ncs-ip` of docs-portal cloud-recording.en.yaml
// (the same operation in media-pull.zh-CN.yaml); v2 is `get-v2-ncs-ip` of
// fusion-cdn/streaming.zh-CN.yaml and `cma-query-ip-address` of
// channel-management/message-notification-service.en.yaml, with the same answer and Basic auth.
// The emulator sends its notifications from this machine, so the one address it names is loopback.
import type { HttpApp } from '../http/app.ts';

const NCS_PATH = '/v1/ncs/ip';
const NCS_V2_PATH = '/v2/ncs/ip';
const EMULATOR_NOTIFIER_IP = '127.0.0.1';

export function registerNcsIpRoute(app: HttpApp): void {
  const answer = () => ({ data: { service: { hosts: [{ primaryIP: EMULATOR_NOTIFIER_IP }] } } });
  app.get(NCS_PATH, answer);
  app.get(NCS_V2_PATH, answer);
}
