// `agoractl emulator`: runs the Agora emulator until SIGTERM or SIGINT, for tests, CI and the
// README demo. Its start-up output is part of the outside contract (DESIGN.md "The emulator").
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { DEFAULT_CUSTOMER_SECRET } from '../emulator/auth.ts';
import { startEmulator } from '../emulator/server.ts';

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
        'AGORA_EMULATOR_CONTROL_TOKEN (random when unset). New players show in List at once: PUT /_emulator/behaviour ' +
        '{"listDelayMs": 10000} gives Agora\'s documented delay.',
    )
    .option('--port <n>', 'port of the first domain (0: any free port)', parsePort, 0)
    .option('--host <address>', 'address to bind; beyond loopback the control API needs the token', '127.0.0.1')
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

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return port;
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a seed is a non-negative integer');
  return Number(value);
}

function parseDomains(value: string): string[] {
  const domains = value.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (domains.length === 0) throw new InvalidArgumentError('give at least one domain name');
  return domains;
}
