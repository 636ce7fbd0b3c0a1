//! Incident matching.
/// Lower-case, accent-free, single-spaced title for hashing.
pub fn normalize_title(t: &str) -> String {
    sahel_nlp::text::fold(t)
}
