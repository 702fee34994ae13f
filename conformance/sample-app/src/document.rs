//! Sample application, module `document`: plain-text documents edited by splicing, in memory.
//! Offsets and lengths count Unicode scalar values, so every front-end language agrees on them.

use std::{collections::BTreeMap, sync::Mutex};

use eventwire::{Context, ErrorCode, FlowyError, sync::lock};

use crate::pb::{
    DocumentSnapshotPb, EditPayloadPb, ExportDataPb, ExportPayloadPb, ExportType,
    OpenDocumentContextPb, SampleErrorCode,
};

use crate::{field_error, handlers::document::DocumentHandlers, notifications};

/// The open documents, by id.
#[derive(Default)]
pub struct Documents {
    documents: Mutex<BTreeMap<String, DocumentSnapshotPb>>,
}

impl DocumentHandlers for Documents {
    async fn get_document(
        &self,
        _cx: &Context,
        input: OpenDocumentContextPb,
    ) -> Result<DocumentSnapshotPb, FlowyError> {
        if input.document_id.trim().is_empty() {
            return Err(field_error(
                ErrorCode::InvalidParams,
                "document_id",
                "Document id can not be empty or whitespace",
            ));
        }
        let mut documents = lock(&self.documents);
        let document = documents
            .entry(input.document_id.clone())
            .or_insert_with(|| DocumentSnapshotPb {
                document_id: input.document_id,
                content: String::new(),
                revision: 0,
            });
        Ok(document.clone())
    }

    async fn apply_edit(&self, cx: &Context, input: EditPayloadPb) -> Result<(), FlowyError> {
        let snapshot = {
            let mut documents = lock(&self.documents);
            let document = documents.get_mut(&input.document_id).ok_or_else(|| {
                field_error(
                    ErrorCode::RecordNotFound,
                    "document_id",
                    format!("no open document `{}`", input.document_id),
                )
            })?;
            let length = document.content.chars().count() as u64;
            let (offset, delete) = (u64::from(input.offset), u64::from(input.delete));
            if offset > length {
                return Err(field_error(
                    ErrorCode::InvalidParams,
                    "offset",
                    format!("{offset} is beyond the document's length of {length} characters"),
                ));
            }
            if offset + delete > length {
                return Err(field_error(
                    ErrorCode::InvalidParams,
                    "delete",
                    format!(
                        "{delete} characters from offset {offset} go beyond the length of {length}"
                    ),
                ));
            }
            let start = byte_index(&document.content, input.offset as usize);
            let end = byte_index(&document.content, (input.offset + input.delete) as usize);
            document.content.replace_range(start..end, &input.insert);
            document.revision += 1;
            document.clone()
        };
        cx.notify::<notifications::DocumentUpdated>(snapshot.document_id.clone(), &snapshot);
        Ok(())
    }

    async fn export_document(
        &self,
        _cx: &Context,
        input: ExportPayloadPb,
    ) -> Result<ExportDataPb, FlowyError> {
        if input.view_id.trim().is_empty() {
            return Err(field_error(
                SampleErrorCode::ViewIdIsInvalid,
                "view_id",
                "View id can not be empty or whitespace",
            ));
        }
        let export_type = ExportType::try_from(input.export_type).map_err(|_| {
            field_error(
                ErrorCode::InvalidParams,
                "export_type",
                format!("unknown export type {}", input.export_type),
            )
        })?;
        let documents = lock(&self.documents);
        let document = documents.get(&input.view_id).ok_or_else(|| {
            field_error(
                ErrorCode::RecordNotFound,
                "view_id",
                format!("no document `{}`", input.view_id),
            )
        })?;
        let data = match export_type {
            ExportType::Text => document.content.clone(),
            ExportType::Markdown => format!("# {}\n\n{}", document.document_id, document.content),
            ExportType::Link => format!("eventwire://document/{}", document.document_id),
        };
        Ok(ExportDataPb {
            data,
            export_type: export_type as i32,
        })
    }
}

/// The byte index of the `chars`-th Unicode scalar value (the length, past the last one).
fn byte_index(s: &str, chars: usize) -> usize {
    s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i)
}
