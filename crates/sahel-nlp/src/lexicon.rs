//! English and French lexicons (attack terms, metaphors, actors, ...).
pub(crate) struct Lexicon;
impl Lexicon {
    pub(crate) fn new() -> Self {
        Lexicon
    }
}
