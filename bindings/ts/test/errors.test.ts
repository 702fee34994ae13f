import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  categoryOf,
  describeCode,
  effectiveCategory,
  ErrorCategory,
  ErrorCode,
  ErrorCodeSchema,
  flowyError,
  isRetryable,
} from "@eventwire/client";

describe("error categories", () => {
  it("come from the schema's (category) option", () => {
    // Expected values written from the protocol decisions, not read from the code under test.
    const expected: Array<[ErrorCode, ErrorCategory]> = [
      [ErrorCode.INTERNAL, ErrorCategory.INTERNAL],
      [ErrorCode.RECORD_NOT_FOUND, ErrorCategory.NOT_FOUND],
      [ErrorCode.INVALID_PARAMS, ErrorCategory.INVALID_ARGUMENT],
      [ErrorCode.REQUEST_TIMEOUT, ErrorCategory.DEADLINE_EXCEEDED],
      [ErrorCode.UNKNOWN_EVENT, ErrorCategory.UNIMPLEMENTED],
      [ErrorCode.CANCELLED, ErrorCategory.CANCELLED],
      [ErrorCode.PERMISSION_DENIED, ErrorCategory.PERMISSION_DENIED],
      [ErrorCode.BACKEND_NOT_READY, ErrorCategory.UNAVAILABLE],
      [ErrorCode.OVERLOADED, ErrorCategory.RESOURCE_EXHAUSTED],
      [ErrorCode.TRANSPORT_CLOSED, ErrorCategory.UNAVAILABLE],
    ];
    for (const [code, category] of expected)
      assert.equal(categoryOf(code), category, describeCode(code));
  });

  it("exist for every code, and flowyError sets them", () => {
    for (const v of ErrorCodeSchema.values) {
      assert.notEqual(categoryOf(v.number), undefined, v.name);
      assert.notEqual(categoryOf(v.number), ErrorCategory.UNSPECIFIED, v.name);
      assert.equal(flowyError(v.number, "m").category, categoryOf(v.number));
    }
    assert.equal(categoryOf(250 as ErrorCode), undefined);
    assert.equal(describeCode(250), "unknown error code 250");
    assert.equal(describeCode(127), "ERROR_CODE_REQUEST_TIMEOUT (127)");
  });

  it("decide retry advice from the category alone", () => {
    assert.ok(isRetryable(flowyError(ErrorCode.OVERLOADED, "")));
    assert.ok(isRetryable(flowyError(ErrorCode.BACKEND_NOT_READY, "")));
    assert.ok(isRetryable(flowyError(ErrorCode.REQUEST_TIMEOUT, "")));
    assert.ok(!isRetryable(flowyError(ErrorCode.INVALID_PARAMS, "")));
    assert.ok(isRetryable(flowyError(ErrorCode.TRANSPORT_CLOSED, "")));
    const unknown = {
      ...flowyError(ErrorCode.INTERNAL, ""),
      code: 250 as ErrorCode,
      category: ErrorCategory.UNAVAILABLE,
    };
    assert.ok(isRetryable(unknown));
  });

  it("decide by the schema's category for a known code and fall back to INTERNAL (REQ-ERR-9)", () => {
    const lying = {
      ...flowyError(ErrorCode.INVALID_PARAMS, ""),
      category: ErrorCategory.UNAVAILABLE,
    };
    assert.equal(effectiveCategory(lying), ErrorCategory.INVALID_ARGUMENT);
    assert.ok(!isRetryable(lying), "a received category that disagrees with the schema is ignored");
    const unknown = (category: number) => ({
      ...flowyError(ErrorCode.INTERNAL, ""),
      code: 250 as ErrorCode,
      category,
    });
    assert.equal(effectiveCategory(unknown(ErrorCategory.NOT_FOUND)), ErrorCategory.NOT_FOUND);
    assert.equal(effectiveCategory(unknown(ErrorCategory.UNSPECIFIED)), ErrorCategory.INTERNAL);
    assert.equal(effectiveCategory(unknown(99)), ErrorCategory.INTERNAL);
  });
});
