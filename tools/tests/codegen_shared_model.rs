//! TypeScript and Dart are generated from one model: both generators take the same
//! [`Model`], and what each emits follows that model, not the tables behind it.
//!
//! Each language is checked against the model only; the two generators never read each other.

use std::collections::BTreeSet;

use eventwire_tools::codegen::model::{EventModel, Model, NotificationModel};
use eventwire_tools::codegen::{GeneratedFile, dart, ts};

/// The generators, as one type: both are `fn(&Model) -> Vec<GeneratedFile>`.
const GENERATORS: [(&str, fn(&Model) -> Vec<GeneratedFile>); 2] = [("dart", dart::generate), ("ts", ts::generate)];

/// Every string literal (single- or double-quoted) in the output: routing names and
/// notification sources must reach the generated code as literals in any language.
fn string_literals(files: &[GeneratedFile]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        // Code lines only: prose in comments has apostrophes that do not pair.
        let code = f.contents.lines().filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("//") || t.starts_with("/*") || t.starts_with('*'))
        });
        for line in code {
            for quote in ['\'', '"'] {
                let parts: Vec<&str> = line.split(quote).collect();
                out.extend(parts.iter().skip(1).step_by(2).map(|s| (*s).to_owned()));
            }
        }
    }
    out
}

fn event_names(model: &Model) -> BTreeSet<String> {
    model.modules.iter().flat_map(|m| &m.events).map(|e| e.name.clone()).collect()
}

#[test]
fn both_generators_name_every_event_of_the_model() {
    let model = Model::shipped();
    for (lang, generate) in GENERATORS {
        let literals = string_literals(&generate(&model));
        for name in event_names(&model) {
            assert!(literals.contains(&name), "{lang}: event `{name}` is not in the output");
        }
        for n in model.modules.iter().flat_map(|m| &m.notifications) {
            assert!(literals.contains(&n.source), "{lang}: notification source `{}` is not in the output", n.source);
        }
    }
}

#[test]
fn dart_output_has_exactly_the_models_events_and_notification_keys() {
    let model = Model::shipped();
    let files = dart::generate(&model);
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    // Routing names: `static const String eventName = '<name>';`, one per event class.
    let emitted: BTreeSet<String> = all
        .lines()
        .filter_map(|l| l.trim().strip_prefix("static const String eventName = '"))
        .map(|rest| rest.trim_end_matches("';").to_owned())
        .collect();
    assert_eq!(emitted, event_names(&model));
    // Notification keys: `('<source>', <ty>): NotificationSpec(` in the schema tables.
    let keys: BTreeSet<(String, i32)> = all
        .lines()
        .filter_map(|l| l.trim().strip_prefix("('"))
        .filter_map(|rest| rest.strip_suffix("): NotificationSpec("))
        .map(|k| {
            let (source, ty) = k.split_once("', ").unwrap();
            (source.to_owned(), ty.parse().unwrap())
        })
        .collect();
    let expected: BTreeSet<(String, i32)> =
        model.modules.iter().flat_map(|m| &m.notifications).map(|n| (n.source.clone(), n.ty)).collect();
    assert_eq!(keys, expected);
}

/// A model that differs from the shipped tables: an event renamed, one removed, one notification
/// added. Outputs that follow it prove the generators read the model, not the tables.
fn edited_model() -> Model {
    let mut model = Model::shipped();
    let user = model.modules.iter_mut().find(|m| m.name == "user").unwrap();
    let sign_in: &mut EventModel = user.events.iter_mut().find(|e| e.name == "SignIn").unwrap();
    sign_in.name = "LogInProbe".to_owned();
    user.events.retain(|e| e.name != "SignOut");
    let payload = user.notifications[0].payload.clone();
    user.notifications.push(NotificationModel {
        name: "ProbeHappened".to_owned(),
        source: "probesource".to_owned(),
        ty: 77,
        payload,
        doc: "Only in this test.".to_owned(),
    });
    model
}

#[test]
fn both_generators_follow_an_edited_model() {
    let model = edited_model();
    for (lang, generate) in GENERATORS {
        let files = generate(&model);
        let literals = string_literals(&files);
        assert!(literals.contains("LogInProbe"), "{lang}: the renamed event is missing");
        assert!(!literals.contains("SignIn"), "{lang}: the old name is still emitted");
        assert!(!literals.contains("SignOut"), "{lang}: the removed event is still emitted");
        assert!(literals.contains("probesource"), "{lang}: the added notification is missing");
        assert_ne!(files, generate(&Model::shipped()), "{lang}: output ignores the model");
    }
    let dart_all: String = dart::generate(&model).iter().map(|f| f.contents.clone()).collect();
    assert!(dart_all.contains("final class UserEventLogInProbe {"));
    assert!(dart_all.contains("static Stream<UserProfilePB> onProbeHappened({"));
    assert!(dart_all.contains("('probesource', 77): NotificationSpec("));
}

#[test]
fn both_generators_are_deterministic() {
    let model = Model::shipped();
    for (lang, generate) in GENERATORS {
        assert_eq!(generate(&model), generate(&model), "{lang}");
    }
}
