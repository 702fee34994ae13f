//! Error codes by number: the protocol's `ErrorCode`, or an application code one of the project's
//! tables declares (the sample application's `SampleErrorCode`). Vectors name a code by its full
//! value name, which protobuf makes unique within a package.

use eventwire_schema::{
    pb::{ErrorCategory, ErrorCode},
    tables,
};

/// The value's full protobuf name (`ERROR_CODE_RECORD_NOT_FOUND`,
/// `SAMPLE_ERROR_CODE_EMAIL_FORMAT_INVALID`); the bare number for a code nobody declares.
pub fn value_name(code: i32) -> String {
    match ErrorCode::try_from(code) {
        Ok(c) => c.as_str_name().to_owned(),
        Err(_) => app(code).map_or_else(|| code.to_string(), |c| c.value.clone()),
    }
}

/// The name tables use, without the enum's prefix (`RECORD_NOT_FOUND`, `EMAIL_FORMAT_INVALID`).
pub fn short_name(code: i32) -> String {
    match ErrorCode::try_from(code) {
        Ok(c) => c.as_str_name().trim_start_matches("ERROR_CODE_").to_owned(),
        Err(_) => app(code).map_or_else(|| code.to_string(), |c| c.name.clone()),
    }
}

/// The category the schema assigns to the code; `INTERNAL`'s for a code nobody declares, which a
/// backend answers as `INTERNAL` (SPEC.md REQ-ERR-16).
pub fn category(code: i32) -> ErrorCategory {
    match ErrorCode::try_from(code) {
        Ok(c) => c.category(),
        Err(_) => app(code).map_or(ErrorCode::Internal.category(), |c| c.category),
    }
}

/// A code by its full value name or its short name, protocol codes first.
pub fn by_name(name: &str) -> Option<i32> {
    ErrorCode::from_str_name(name)
        .or_else(|| ErrorCode::from_str_name(&format!("ERROR_CODE_{name}")))
        .map(i32::from)
        .or_else(|| {
            tables()
                .error_codes()
                .iter()
                .find(|c| c.value == name || c.name == name)
                .map(|c| c.number)
        })
}

fn app(code: i32) -> Option<&'static eventwire_schema::DeclaredCode> {
    tables().error_codes().iter().find(|c| c.number == code)
}
