//! The to-do app as its users see it: typed calls, its own error codes with their categories,
//! notifications on a session, and the rule that a handler answers only the codes its table lists.

use eventwire::{
    Dispatcher, ErrorCategory, ErrorCode, FlowyError, Outbound, RequestOptions, SessionConfig,
};
use prost::Message;
use todo_app::{
    events,
    pb::{CreateTodoPayloadPb, TodoErrorCode, TodoIdPb, TodoPb, UpdateTodoPayloadPb},
};

fn dispatcher() -> Dispatcher {
    todo_app::mount(Dispatcher::builder())
        .build()
        .expect("the to-do app and the conformance module build")
}

fn create(title: &str) -> CreateTodoPayloadPb {
    CreateTodoPayloadPb {
        title: title.into(),
    }
}

#[tokio::test]
async fn typed_calls_keep_state() {
    let d = dispatcher();
    let milk = d
        .call::<events::CreateTodo>(create("  Milk "))
        .await
        .unwrap();
    assert_eq!(
        milk,
        TodoPb {
            id: 1,
            title: "Milk".into(),
            done: false
        }
    );
    let bread = d.call::<events::CreateTodo>(create("Bread")).await.unwrap();
    assert_eq!(bread.id, 2);
    let done = d
        .call::<events::UpdateTodo>(UpdateTodoPayloadPb {
            id: 1,
            title: None,
            done: Some(true),
        })
        .await
        .unwrap();
    assert_eq!(
        done,
        TodoPb {
            id: 1,
            title: "Milk".into(),
            done: true
        }
    );
    d.call::<events::DeleteTodo>(TodoIdPb { id: 2 })
        .await
        .unwrap();
    let list = d.call::<events::ListTodos>(()).await.unwrap();
    assert_eq!(list.items, [done]);
}

#[tokio::test]
async fn app_errors_carry_their_code_and_category() {
    let d = dispatcher();
    let missing = d
        .call::<events::GetTodo>(TodoIdPb { id: 42 })
        .await
        .unwrap_err();
    assert_eq!(
        TodoErrorCode::try_from(missing.code),
        Ok(TodoErrorCode::TodoNotFound)
    );
    assert_eq!(
        (missing.code, missing.category),
        (1000, ErrorCategory::NotFound as i32)
    );
    assert_eq!(missing.msg, "id: no to-do 42");
    let empty = d
        .call::<events::CreateTodo>(create("   "))
        .await
        .unwrap_err();
    assert_eq!(
        TodoErrorCode::try_from(empty.code),
        Ok(TodoErrorCode::TitleEmpty)
    );
    assert_eq!(empty.category, ErrorCategory::InvalidArgument as i32);
    let long = d
        .call::<events::CreateTodo>(create(&"x".repeat(201)))
        .await
        .unwrap_err();
    assert_eq!(
        TodoErrorCode::try_from(long.code),
        Ok(TodoErrorCode::TitleTooLong)
    );
    // The protocol's own errors still come first: an invalid payload is PROTOBUF_SERDE.
    let request = eventwire::pb::FfiRequest {
        event: "GetTodo".into(),
        payload: vec![0xff],
    }
    .encode_to_vec();
    let response =
        eventwire::pb::FfiResponse::decode(d.dispatch(&request).await.as_slice()).unwrap();
    assert_eq!(
        FlowyError::decode(response.payload.as_slice())
            .unwrap()
            .code,
        ErrorCode::ProtobufSerde as i32
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_arrive_as_notifications_before_their_answer() {
    let d = dispatcher();
    let (session, mut rx) = d.open_session(SessionConfig::new());
    let request = eventwire::pb::FfiRequest {
        event: "CreateTodo".into(),
        payload: create("Tea").encode_to_vec(),
    }
    .encode_to_vec();
    session.submit(7, request, RequestOptions::new());
    let Some(Outbound::Notification {
        seq: 1,
        subscribe_object,
    }) = rx.recv().await
    else {
        panic!("a notification first")
    };
    let object = eventwire::pb::SubscribeObject::decode(subscribe_object.as_slice()).unwrap();
    assert_eq!(
        (object.source.as_str(), object.ty, object.id.as_str()),
        ("todo", 1, "1")
    );
    let Some(eventwire::pb::subscribe_object::PayloadOneof::Payload(payload)) =
        object.payload_oneof
    else {
        panic!()
    };
    assert_eq!(TodoPb::decode(payload.as_slice()).unwrap().title, "Tea");
    let Some(Outbound::Response { request_id: 7, .. }) = rx.recv().await else {
        panic!("then the answer")
    };
}

#[tokio::test]
async fn the_schema_value_is_the_tables() {
    let schema = &todo_app::SCHEMA;
    assert_eq!(schema.name(), "todo-app");
    let names: Vec<&str> = schema.events().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "CreateTodo",
            "GetTodo",
            "ListTodos",
            "UpdateTodo",
            "DeleteTodo"
        ]
    );
    let codes: Vec<(i32, &str)> = schema
        .error_codes()
        .iter()
        .map(|c| (c.number, c.name))
        .collect();
    assert_eq!(
        codes,
        [
            (1000, "TODO_ERROR_CODE_TODO_NOT_FOUND"),
            (1001, "TODO_ERROR_CODE_TITLE_EMPTY"),
            (1002, "TODO_ERROR_CODE_TITLE_TOO_LONG")
        ]
    );
    assert_eq!(schema.modules()[0].file, "events/todo.yaml");
    assert!(schema.message("todo.v1.TodoPB").is_some());
}
