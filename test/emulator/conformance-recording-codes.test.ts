// The recording statuses and error codes are written twice on purpose: once in the client
// (src/agora/recordings.ts), once in the emulator (src/emulator/recording/), so that the fake
// cannot inherit a mistake of the thing it fakes. This test holds both to the reference's table
// (agora-facts.md, "Cloud Recording": query's status and the error codes), as transcribed below.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  RECORDING_CODES,
  RECORDING_STATUS as CLIENT_STATUS,
} from "../../src/agora/recordings.ts";
import { RECORDING_STATUS as EMULATOR_STATUS } from "../../src/emulator/recording/lifecycle.ts";
import {
  RECORDING_ERRORS,
  type RecordingError,
} from "../../src/emulator/recording/errors.ts";

/** "status 0 not started, 1 initialised, 2-4 starting, 5 recording, 6 stop requested, 7 stopped, 8 exited, 20 exited abnormally". */
const REFERENCE_STATUS: Record<number, string> = {
  0: "not started",
  1: "initialised",
  2: "starting",
  3: "starting",
  4: "starting",
  5: "recording",
  6: "stop requested",
  7: "stopped",
  8: "exited",
  20: "exited abnormally",
};

/** "Error codes: 2 bad parameter (400); 7 already started (201); ...": each code, what it means, and the HTTP statuses named with it. */
const REFERENCE_CODES: Record<
  number,
  { meaning: string; http?: readonly number[] }
> = {
  2: { meaning: "bad parameter", http: [400] },
  7: { meaning: "already started", http: [201] },
  49: { meaning: "already stopping", http: [400] },
  53: { meaning: "same cname + uid already recording", http: [400] },
  62: { meaning: "request timeout", http: [500, 504] },
  65: { meaning: "request not completed, retry", http: [206] },
  404: { meaning: "worker not found", http: [404] },
  435: { meaning: "no recorded data", http: [206] },
  432: { meaning: "parameters do not match the resourceId" },
  433: { meaning: "resourceId expired" },
  1001: { meaning: "resourceId unparsable" },
  1003: { meaning: "appId or sid does not match the resourceId" },
};

/** What each name the two modules use means in the reference's words. */
const STATUS_MEANINGS: Record<string, string> = {
  notStarted: "not started",
  initialised: "initialised",
  componentsStarting: "starting",
  uploaderStarted: "starting",
  componentsReady: "starting",
  recording: "recording",
  stopRequested: "stop requested",
  stopped: "stopped",
  exited: "exited",
  exitedAbnormally: "exited abnormally",
};
const CODE_MEANINGS: Record<string, string> = {
  badParameter: "bad parameter",
  alreadyStarted: "already started",
  alreadyStopping: "already stopping",
  alreadyRecording: "same cname + uid already recording",
  requestTimeout: "request timeout",
  workerNotFound: "worker not found",
  noRecordedData: "no recorded data",
  paramsMismatch: "parameters do not match the resourceId",
  resourceExpired: "resourceId expired",
  unparsableResource: "resourceId unparsable",
  resourceMismatch: "appId or sid does not match the resourceId",
};
/** Codes of Agora's response-code page that agora-facts.md does not list (docs/agora-conformance.md CR-D6). */
const CODES_BEYOND_THE_TABLE: Record<string, number> = {
  badRequest: 8,
  invalidChannelName: 1013,
  badLayout: 1028,
};

function emulatorErrors(): [string, RecordingError][] {
  return Object.entries(RECORDING_ERRORS).map(([name, error]) => [
    name,
    typeof error === "function" ? error("detail") : error,
  ]);
}

describe("recording statuses and codes against agora-facts.md", () => {
  const statusTables = { client: CLIENT_STATUS, emulator: EMULATOR_STATUS };
  for (const [side, table] of Object.entries(statusTables)) {
    test(`every status the ${side} names has the reference's number`, () => {
      for (const [name, value] of Object.entries(table)) {
        assert.ok(
          name in STATUS_MEANINGS,
          `${side} status ${name} is not in this test's table: add what the reference calls it`,
        );
        assert.equal(
          REFERENCE_STATUS[value],
          STATUS_MEANINGS[name],
          `${side} status ${name} = ${value}`,
        );
      }
    });
  }

  test("every code the client acts on has the reference’s number", () => {
    for (const [name, code] of Object.entries(RECORDING_CODES)) {
      assert.ok(
        name in CODE_MEANINGS,
        `client code ${name} is not in this test's table: add what the reference calls it`,
      );
      assert.equal(
        REFERENCE_CODES[code]?.meaning,
        CODE_MEANINGS[name],
        `client code ${name} = ${code}`,
      );
    }
  });

  test("every error the emulator answers has the reference’s code and HTTP status", () => {
    for (const [name, error] of emulatorErrors()) {
      if (name in CODES_BEYOND_THE_TABLE) {
        assert.equal(
          error.code,
          CODES_BEYOND_THE_TABLE[name],
          `emulator error ${name}`,
        );
        continue;
      }
      assert.ok(
        name in CODE_MEANINGS,
        `emulator error ${name} is not in this test's table: add what the reference calls it`,
      );
      const reference = REFERENCE_CODES[error.code];
      assert.equal(
        reference?.meaning,
        CODE_MEANINGS[name],
        `emulator error ${name} = code ${error.code}`,
      );
      if (reference?.http)
        assert.ok(
          reference.http.includes(error.http),
          `emulator error ${name} answers HTTP ${error.http}, the reference ${reference.http.join(" or ")}`,
        );
    }
  });
});
