import { afterEach } from "bun:test";
import { type MockOptions, type MockServer, startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, type OpencodeWorld, type WorldOptions } from "../../src/harness/opencode-runner.ts";

/**
 * Mocks and opencode worlds that a test file starts, torn down after each test even when it fails. Call once
 * at the top of a test file.
 */
export function startedPerTest() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  return {
    mock(options: MockOptions): MockServer {
      const mock = startMockAnthropic(options);
      cleanups.push(() => mock.stop());
      return mock;
    },
    async world(options: WorldOptions): Promise<OpencodeWorld> {
      const world = await createOpencodeWorld(options);
      cleanups.push(() => world.dispose());
      return world;
    },
  };
}
