//! Error codes: every value has a category, the generated table agrees with the descriptors, and
//! upstream numbers are kept.

use eventwire_schema::{
    descriptor_pool,
    pb::{ErrorCategory, ErrorCode, FlowyError},
};
use prost_reflect::Value;

#[test]
fn upstream_numbers_are_kept() {
    for (code, n) in [
        (ErrorCode::Internal, 0),
        (ErrorCode::RecordNotFound, 3),
        (ErrorCode::InvalidParams, 49),
        (ErrorCode::ProtobufSerde, 51),
        (ErrorCode::PayloadTooLarge, 90),
        (ErrorCode::InvalidRequest, 106),
        (ErrorCode::RequestTimeout, 127),
    ] {
        assert_eq!(code as i32, n, "{code:?}");
    }
}

#[test]
fn every_code_fits_in_a_u8_and_new_codes_start_at_200() {
    let e = descriptor_pool()
        .get_enum_by_name("eventwire.v1.ErrorCode")
        .unwrap();
    for v in e.values() {
        assert!((0..=255).contains(&v.number()), "{}", v.name());
        // The protocol's codes keep to its numbers (SPEC.md REQ-ERR-7, REQ-ERR-15).
        assert!(
            eventwire_schema::is_protocol_number(v.number()),
            "{} = {}",
            v.name(),
            v.number()
        );
    }
}

#[test]
fn generated_category_table_matches_the_proto_options() {
    let pool = descriptor_pool();
    let e = pool.get_enum_by_name("eventwire.v1.ErrorCode").unwrap();
    let ext = pool.get_extension_by_name("eventwire.v1.category").unwrap();
    let mut n = 0;
    for v in e.values() {
        let options = v.options();
        assert!(options.has_extension(&ext), "{} has no category", v.name());
        let Value::EnumNumber(cat) = options.get_extension(&ext).into_owned() else {
            panic!()
        };
        assert_ne!(cat, ErrorCategory::Unspecified as i32, "{}", v.name());
        let code = ErrorCode::try_from(v.number()).unwrap();
        assert_eq!(code.category() as i32, cat, "{}", v.name());
        n += 1;
    }
    // Every value the Rust enum knows was checked against the descriptor, and nothing else.
    assert_eq!(
        n,
        (0..=255)
            .filter(|&k| ErrorCode::try_from(k).is_ok())
            .count()
    );
}

#[test]
fn flowy_error_new_sets_the_category() {
    let e = FlowyError::new(ErrorCode::Overloaded, "busy");
    assert_eq!(e.category, ErrorCategory::ResourceExhausted as i32);
    assert!(ErrorCategory::ResourceExhausted.is_retryable());
    assert!(!ErrorCode::InvalidParams.category().is_retryable());
}
