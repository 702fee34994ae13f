//! The SPEC.md requirement ids the vectors cite, named, so that a renumbering in SPEC.md is one
//! edit here (a test checks that every cited id exists in SPEC.md).

pub const ENC_ORDER: &str = "REQ-ENC-1";
pub const ENC_DEFAULTS: &str = "REQ-ENC-2";
pub const ENC_PACKED: &str = "REQ-ENC-3";
pub const ENC_MAPS: &str = "REQ-ENC-4";
pub const ENC_VARINT: &str = "REQ-ENC-5";
pub const ENC_FLOAT: &str = "REQ-ENC-6";
pub const ENC_UNKNOWN: &str = "REQ-ENC-8";
pub const ENC_NONCANONICAL: &str = "REQ-ENC-10";
pub const ENC_REJECT: &str = "REQ-ENC-11";
pub const ENC_VARINT_OVERFLOW: &str = "REQ-ENC-13";

pub const ENV_REQUEST: &str = "REQ-ENV-1";
pub const ENV_RESPONSE: &str = "REQ-ENV-2";
pub const ENV_ERROR_PAYLOAD: &str = "REQ-ENV-3";
pub const ENV_CATEGORY: &str = "REQ-ERR-2";
pub const ENV_STATUS_UNKNOWN: &str = "REQ-ENV-5";
pub const ENV_STREAM: &str = "REQ-TRANS-1";
pub const VER_HANDSHAKE: &str = "REQ-VER-13";
pub const VER_FINGERPRINT: &str = "REQ-VER-14";

pub const ERR_MODEL: &str = "REQ-ERR-1";

pub const ROUTE_ENVELOPE: &str = "REQ-VAL-2";
pub const ROUTE_EMPTY: &str = "REQ-VAL-3";
pub const ROUTE_NOT_READY: &str = "REQ-VAL-4";
pub const ROUTE_UNKNOWN: &str = "REQ-VAL-5";
pub const ROUTE_EXACT: &str = "REQ-ROUTE-1";
pub const ROUTE_PERMISSION: &str = "REQ-VAL-6";
pub const ROUTE_CAPABILITIES: &str = "REQ-CAP-1";
pub const ROUTE_ORDER: &str = "REQ-VAL-1";

pub const LIMIT_PAYLOAD: &str = "REQ-VAL-7";
pub const LIMIT_NESTING: &str = "REQ-VAL-9";
pub const LIMIT_CONFIGURABLE: &str = "REQ-LIMIT-1";

pub const VAL_DECODE: &str = "REQ-VAL-10";
pub const VAL_TOLERANT: &str = "REQ-VAL-10";
pub const VAL_PARAMS: &str = "REQ-VAL-11";

pub const NOTIF_SHAPE: &str = "REQ-NOTIF-1";
pub const NOTIF_MALFORMED: &str = "REQ-NOTIF-2";
pub const NOTIF_MALFORMED_CONTENT: &str = "REQ-NOTIF-16";
pub const NOTIF_SEQ: &str = "REQ-NOTIF-3";
pub const NOTIF_ORDER: &str = "REQ-NOTIF-7";

pub const MOD_ECHO: &str = "REQ-MOD-1";
pub const MOD_RAISE: &str = "REQ-MOD-2";
pub const MOD_PANIC: &str = "REQ-MOD-3";
pub const MOD_SLEEP: &str = "REQ-MOD-4";
pub const MOD_EMIT: &str = "REQ-MOD-5";
pub const MOD_PING: &str = "REQ-MOD-6";
pub const MOD_DISCARD: &str = "REQ-MOD-7";
pub const MOD_NEST: &str = "REQ-MOD-8";

/// Sample-app state rules that hold for every sample event.
pub const APP_STATE: &str = "REQ-APP-1";
pub const APP_USER: &str = "REQ-APP-1";
pub const APP_DOCUMENT: &str = "REQ-APP-1";

/// The requirement that defines an event's behaviour.
pub fn event_requirement(event: &str) -> Option<&'static str> {
    Some(match event {
        "SignIn" => "REQ-APP-2",
        "GetUserProfile" => "REQ-APP-3",
        "UpdateUserProfile" => "REQ-APP-4",
        "SignOut" => "REQ-APP-5",
        "GetDocument" => "REQ-APP-6",
        "ApplyEdit" => "REQ-APP-7",
        "ExportDocument" => "REQ-APP-8",
        "Echo" => MOD_ECHO,
        "RaiseError" => MOD_RAISE,
        "Panic" => MOD_PANIC,
        "Sleep" => MOD_SLEEP,
        "EmitNotifications" => MOD_EMIT,
        "Ping" => MOD_PING,
        "Discard" => MOD_DISCARD,
        "Nest" => MOD_NEST,
        _ => return None,
    })
}
