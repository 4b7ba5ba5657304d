/**
 * Every finite `resync` command ends by itself once it has printed its answer: no pool, Temporal
 * connection, HTTP agent or timer may keep the process alive (`resync metadata <source>` used to
 * print its table and hang on the control database pool of the request budget). Each command runs
 * as a child process through tsx, as `npm run resync -- …` runs it; runCli kills a command only
 * when it is plainly hung, and the test then fails saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsxRunner, type RunningCli } from '../support/cli';
import {
  closeContext,
  commandContext,
  expectFinite,
  FINITE_COMMANDS,
  startWorkerCommand,
  type CommandContext,
} from '../support/cli-commands';

describe('every finite CLI command exits by itself (sources, through tsx)', () => {
  let ctx: CommandContext;
  let worker: RunningCli | undefined;

  beforeAll(async () => {
    ctx = await commandContext();
    worker = await startWorkerCommand(tsxRunner, ctx);
  });

  afterAll(async () => {
    await worker?.stop();
    await closeContext(ctx);
  });

  for (const command of FINITE_COMMANDS) {
    it(`resync ${command.name}`, async () => {
      await expectFinite(tsxRunner, command, ctx);
    });
  }

  it('the worker stops by itself on SIGTERM', async () => {
    const stopped = await worker!.stop();
    worker = undefined;
    expect(stopped.killed, stopped.stdout + stopped.stderr).toBe(false);
    expect(stopped.code).toBe(0);
  });
});
