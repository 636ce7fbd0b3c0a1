//! The attack-story classifier.
use crate::{Analysis, Document, Engine};
pub(crate) fn analyze(_engine: &Engine, _doc: &Document<'_>) -> Analysis {
    todo!("classifier")
}
