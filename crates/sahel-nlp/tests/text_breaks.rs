//! Real pages break lines anywhere: a paragraph break in the middle of a
//! sentence ("three civilians were\n\nkilled") once made the toll reader
//! slice past a sentence's end and panic. Every story here is read again
//! with a blank line at each of its word gaps, then a line break at each;
//! none may panic, and the toll of the unbroken text stays readable.

mod support;

use support::run;

const STORIES: &[(&str, &str)] = &[
    (
        "Suicide bombing targets contractors in Gao",
        "Gao, Mali: at least three Malian civilians were killed and four foreigners injured in a suicide attack in the northern city of Gao on Monday. The attack targeted a mine clearance company, the ministry said in a statement, adding that two of the wounded were in a serious condition. Twelve assailants, including nine who were killed, attacked the camp at dawn.",
    ),
    (
        "Attaque contre un poste de gendarmerie près de Djibo",
        "Des hommes armés ont attaqué mardi un poste de gendarmerie près de Djibo, dans le nord du Burkina Faso, tuant deux gendarmes, un douanier et quatre civils, dont deux d'entre eux ont succombé à l'hôpital. Un soldat a été blessé et trois assaillants ont été neutralisés, a indiqué une source sécuritaire à Ouagadougou.",
    ),
];

fn gaps(s: &str) -> Vec<usize> {
    s.match_indices(' ').map(|(i, _)| i).collect()
}

#[test]
fn a_line_break_anywhere_never_panics() {
    for (title, body) in STORIES {
        let whole = run(title, body);
        assert!(whole.is_attack, "{title}");
        assert!(
            whole.facts.as_ref().and_then(|f| f.killed).is_some(),
            "{title}: the unbroken text gives a toll"
        );
        for brk in ["\n\n", "\n"] {
            for g in gaps(body) {
                let broken = format!("{}{brk}{}", &body[..g], &body[g + 1..]);
                // no panic, and still an attack with its place
                let a = std::panic::catch_unwind(|| run(title, &broken))
                    .unwrap_or_else(|_| panic!("panicked with a break at byte {g}:\n{broken}"));
                assert!(a.is_attack, "break at {g}:\n{broken}");
            }
        }
    }
}
