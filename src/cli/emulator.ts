// `agoractl emulator`: runs the Agora emulator until SIGTERM or SIGINT, for tests, CI and the
// README demo. Its start-up output is part of the outside contract (DESIGN.md "The emulator").
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CUSTOMER_SECRET } from '../emulator/auth.ts';
import { startEmulator } from '../emulator/server.ts';
import { isHost, parseHost, portOption } from './options.ts';

interface EmulatorFlags {
  port: number;
  host: string;
  domains?: string[];
  seed?: number;
}

export function register(program: Command): void {
  program
    .command('emulator')
    .description(
      'Run an HTTP server that behaves like Agora\'s Media Pull, Cloud Recording and FLS APIs, with a control API under /_emulator/. ' +
        'Credentials come from AGORA_CUSTOMER_ID / AGORA_CUSTOMER_SECRET (defaults when unset); the control token from ' +
        'AGORA_EMULATOR_CONTROL_TOKEN (random when unset). Webhooks go to loopback addresses and to the hosts listed in ' +
        'AGORA_EMULATOR_WEBHOOK_HOSTS (comma-separated). New players show in List at once: PUT /_emulator/behaviour ' +
        '{"listDelayMs": 10000} gives Agora\'s documented delay.',
    )
    .addOption(portOption('port of the first domain (0: any free port)'))
    .option('--host <address>', 'address to bind; beyond loopback the control API needs the token', parseHost, '127.0.0.1')
    .option('--domains <names>', 'comma-separated domains, one listener each (default api.agora.io)', parseDomains)
    .option('--seed <n>', 'seed of the emulated world\'s randomness', parseSeed)
    .action(async (flags: EmulatorFlags) => {
      await runEmulator(flags);
    });
}

async function runEmulator(flags: EmulatorFlags): Promise<void> {
  const emulator = await startEmulator({
    host: flags.host,
    port: flags.port,
    ...(flags.domains ? { domains: flags.domains } : {}),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  });
  const { customerId, customerSecret } = emulator.credentials;
  // A secret the user chose stays out of the output (CI logs); the default one is public.
  const secretShown = customerSecret === DEFAULT_CUSTOMER_SECRET ? customerSecret : '(from AGORA_CUSTOMER_SECRET)';
  const lines = [
    `customer id: ${customerId}`,
    `customer secret: ${secretShown}`,
    `control token: ${emulator.controlToken}`,
    ...Object.entries(emulator.urls).map(([domain, url]) => `domain ${domain}: ${url}`),
    `agora emulator listening on ${emulator.url}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await emulator.close();
  process.exitCode = 0;
}

function parseSeed(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('Expected a non-negative integer.');
  return Number(value);
}

function parseDomains(value: string): string[] {
  const domains = value.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (domains.length === 0) throw new InvalidArgumentError('Expected a comma-separated list of domain names.');
  const bad = domains.find((domain) => !isHost(domain));
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a domain name.`);
  return domains;
}
