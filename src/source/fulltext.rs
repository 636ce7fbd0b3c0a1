//! Full text of articles whose feed items carry only a teaser.
