//! The C ABI with the to-do app's own dispatcher (`eventwire_ffi::backend!(todo_app::mount)`),
//! called through its `extern "C"` functions as a Flutter front end calls `libtodo_app.so`.

use eventwire::pb::{FfiRequest, FfiResponse, FfiStatusCode, FlowyError};
use eventwire_ffi::{
    EVENTWIRE_OK, eventwire_free, eventwire_init, eventwire_shutdown, eventwire_sync_call,
};
use prost::Message;
use todo_app::pb::{CreateTodoPayloadPb, TodoErrorCode, TodoIdPb, TodoPb};

fn sync_call(event: &str, payload: impl Message) -> FfiResponse {
    let request = FfiRequest {
        event: event.into(),
        payload: payload.encode_to_vec(),
    }
    .encode_to_vec();
    let (mut out, mut out_len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: the request outlives the call; `out` and `out_len` are valid for writes.
    let status =
        unsafe { eventwire_sync_call(request.as_ptr(), request.len(), &mut out, &mut out_len) };
    assert_eq!(status, EVENTWIRE_OK);
    // SAFETY: the library handed us `out_len` bytes at `out`, ours until `eventwire_free`.
    let response =
        FfiResponse::decode(unsafe { std::slice::from_raw_parts(out, out_len) }).unwrap();
    // SAFETY: `out`/`out_len` came from `eventwire_sync_call` and are freed once.
    unsafe { eventwire_free(out, out_len) };
    response
}

#[test]
fn the_abi_serves_the_apps_own_events_and_codes() {
    // SAFETY: an empty configuration is (null-free) zero bytes.
    let status = unsafe { eventwire_init(std::ptr::dangling(), 0) };
    assert_eq!(status, EVENTWIRE_OK);
    let created = sync_call(
        "CreateTodo",
        CreateTodoPayloadPb {
            title: "Milk".into(),
        },
    );
    assert_eq!(created.code, FfiStatusCode::Ok as i32);
    assert_eq!(
        TodoPb::decode(created.payload.as_slice()).unwrap(),
        TodoPb {
            id: 1,
            title: "Milk".into(),
            done: false
        }
    );
    let missing = sync_call("GetTodo", TodoIdPb { id: 9 });
    assert_eq!(missing.code, FfiStatusCode::Err as i32);
    assert_eq!(
        FlowyError::decode(missing.payload.as_slice()).unwrap().code,
        TodoErrorCode::TodoNotFound as i32
    );
    // The sample application is not part of this backend.
    let sign_in = sync_call("SignIn", ());
    assert_eq!(
        FlowyError::decode(sign_in.payload.as_slice()).unwrap().code,
        eventwire::ErrorCode::UnknownEvent as i32
    );
    assert_eq!(eventwire_shutdown(), EVENTWIRE_OK);
}
