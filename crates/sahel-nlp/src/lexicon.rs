//! English and French lexicons (attack terms, casualty words, metaphors,
//! background cues, actors, dates, foreign places) and the word trie that
//! finds them, together with every gazetteer name, in one pass over the
//! folded text.
//!
//! Every pattern is written folded (lower case ASCII, no accents, see
//! [`crate::text::fold`]); `|` separates the forms of one entry. Hyphens and
//! apostrophes in patterns also match as spaces or nothing.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::classify::Fnv;
use crate::gazetteer::{Gazetteer, PlaceKind};
use crate::text::{fold, is_word_byte};

/// Attack types, as reported in [`crate::Facts::attack_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum AType {
    None,
    Ambush,
    Raid,
    Massacre,
    Ied,
    Suicide,
    AirStrike,
    Drone,
    Abduction,
    Shelling,
    Armed,
}

impl AType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AType::None | AType::Armed | AType::Raid => "armed attack",
            AType::Ambush => "ambush",
            AType::Massacre => "massacre",
            AType::Ied => "ied",
            AType::Suicide => "suicide attack",
            AType::AirStrike => "air strike",
            AType::Drone => "drone strike",
            AType::Abduction => "abduction",
            AType::Shelling => "shelling",
        }
    }
}

/// What kind of people a noun names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Noun {
    Mil,
    Civ,
    People,
    Attacker,
}

/// The category of a lexicon entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cat {
    /// A violent-event term with its weight and the attack type it suggests.
    Attack(f32, AType),
    /// "attack", "attaque", "assault": violent only with corroboration.
    Generic(f32),
    /// killed / tués: before or after a number.
    Kill,
    /// lost / perdu: only before a number ("we lost 92 soldiers").
    KillBefore,
    /// dead / morts / bodies: after a number.
    DeadNoun,
    Wound,
    Abduct,
    Missing,
    /// toll / bilan / losses: before a number.
    Toll,
    /// "has risen to", "s'est alourdi à": before a number, a toll when a
    /// toll or killing word comes earlier in the clause.
    TollRise,
    Neutralise,
    Noun(Noun),
    /// The kind of target attacked (army camp, village...).
    Target(Noun),
    Actor(u8),
    Claim,
    NoLoss,
    /// Story-level cue that the incident is old (anniversary, trial...).
    Background(f32),
    /// Sentence-level cue that what follows is an older incident.
    Past,
    /// "after" family (a day after, a month after): background in the body.
    After,
    /// since / depuis: aggregate when followed by a year or "the start".
    Since,
    /// Aggregate counts (this year, the war has killed...).
    Aggregate,
    /// A reporting period ("monthly bulletin", "over the past week", "bilan
    /// mensuel"): a tally of many operations, not one incident.
    Period,
    Metaphor(f32),
    NonEvent(f32),
    Refugee,
    /// Where people come from ("originaires de", "natives of"): the place
    /// after it is not the scene.
    Origin,
    /// Where a group operates ("active in the area"): not a perpetrator.
    Presence,
    /// Attribution of the incident ("suspected", "blamed on", "mis en
    /// cause"): the named group is the presumed perpetrator.
    Blame,
    Border,
    RegionWord,
    Weekday(u8),
    Month(u8),
    RelDay(i8),
    Announce,
    /// Mourning, funerals, visits: the day of the aftermath, not the attack.
    Aftermath,
    Foreign(&'static str),
    /// A name that must not count as a country (Lake Chad, Niger River).
    Neutral,
    /// Negation that cancels a following claim ("no group has claimed").
    Negation,
}

/// One meaning of a pattern: a lexicon entry or a gazetteer place index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entry {
    Lex(Cat),
    Place(u32),
}

/// Canonical actor names, indexed by `Cat::Actor`.
pub(crate) const ACTORS: &[&str] = &[
    "JNIM",                               // 0
    "Islamic State Sahel Province",       // 1
    "Islamic State West Africa Province", // 2
    "Boko Haram",                         // 3
    "Ansarul Islam",                      // 4
    "Katiba Macina",                      // 5
    "Dan Na Ambassagou",                  // 6
    "CSP-DPA",                            // 7
    "foreign/Russian fighters (Wagner)",  // 8
    "Malian Armed Forces (FAMa)",         // 9
    "Burkina Faso Armed Forces",          // 10
    "Niger Armed Forces (FAN)",           // 11
    "Chadian National Army (ANT)",        // 12
    "VDP",                                // 13
    "Koglweogo",                          // 14
    "Dozo hunters",                       // 15
    "unidentified gunmen",                // 16
    "Islamic State",                      // 17
    "al-Qaeda",                           // 18
    "Ansar Dine",                         // 19
    "AQIM",                               // 20
    "al-Shabaab",                         // 21
    "Mauritanian Armed Forces",           // 22
];
pub(crate) const ACTOR_JNIM: u8 = 0;
pub(crate) const ACTOR_ISSP: u8 = 1;
pub(crate) const ACTOR_ISWAP: u8 = 2;
pub(crate) const ACTOR_GUNMEN: u8 = 16;
pub(crate) const ACTOR_IS: u8 = 17;
pub(crate) const ACTOR_AQ: u8 = 18;

use AType as T;
use Cat::*;

/// The lexicon: `(forms, category)`.
const TERMS: &[(&str, Cat)] = &[
    // ---- violent events (English) ----
    ("ambush|ambushed|ambushes|ambushing|ambuscade", Attack(2.0, T::Ambush)),
    ("complex ambush", Attack(2.2, T::Ambush)),
    ("massacre|massacres|massacred|massacring|slaughter|slaughtered|carnage|mass killing|mass killings", Attack(2.0, T::Massacre)),
    ("killings|atrocity|atrocities|bloodbath|bloodshed", Attack(1.2, T::Massacre)),
    ("executed|executions|summary executions|summarily executed|execution-style", Attack(1.2, T::Massacre)),
    ("gunmen|gunman|armed men|armed assailants|armed individuals|heavily armed men|unidentified gunmen", Attack(1.5, T::None)),
    ("assailants|assailant|attackers|attacker|raiders|killers", Attack(1.0, T::None)),
    ("jihadists|jihadist|islamists|islamist militants|insurgents|militants|terrorists|extremists|armed group|armed groups|bandits|armed bandits", Attack(0.5, T::None)),
    ("attack|attacks|attacked|attacking|assault|assaults|assaulted", Generic(1.0)),
    ("terrorist attack|terror attack|jihadist attack|militant attack|armed attack|deadly attack|deadliest attack|bloody attack|suspected jihadist attack|insurgent attack", Attack(2.0, T::Armed)),
    ("raid|raids|raided|incursion|incursions", Attack(1.0, T::Raid)),
    ("stormed|storming|overran|overrun|overrunning|besieged", Attack(1.5, T::Armed)),
    ("opened fire|open fire|gunfire|shot dead|shooting|shootings|gunshot|gunshots|gun battle|firefight", Attack(1.0, T::None)),
    ("clash|clashes|clashed|fighting|battle|combat", Attack(1.0, T::None)),
    ("improvised explosive device|improvised explosive devices|explosive device|explosive devices|ied|ieds|roadside bomb|roadside bombs|landmine|landmines|land mine|land mines|booby trap|booby traps|booby-trapped|hit a mine|struck a mine|hit a landmine|struck a landmine|ran over a mine|drove over a mine|drove onto a mine|stepped on a mine|mine blast|mine explosion|mine explosions|anti-personnel mine|anti-personnel mines|antipersonnel mine|anti-tank mine|anti-tank mines|improvised mine|improvised mines|explosive-laden|roadside explosive|roadside explosives|roadside ied|roadside device|pressure-plate|pressure plate", Attack(1.8, T::Ied)),
    ("bomb|bombs|bombing|bombings|blast|blasts|explosion|explosions|explosives", Attack(0.8, T::Ied)),
    ("suicide bomber|suicide bombers|suicide bombing|suicide bombings|suicide attack|suicide attacks|suicide vehicle|suicide vehicles|suicide car bomb|car bomb|car bombs|vbied|blew himself up|blew herself up|blew themselves up|vehicle packed with explosives|explosives-packed vehicles|explosives-laden vehicle", Attack(2.0, T::Suicide)),
    ("air strike|air strikes|airstrike|airstrikes|aerial bombardment|aerial bombardments|bombardment|bombardments|air raid|air raids", Attack(1.2, T::AirStrike)),
    ("drone strike|drone strikes|drone attack|drone attacks", Attack(1.5, T::Drone)),
    ("shelling|shelled|shells|mortar|mortars|mortar fire|rockets|rocket fire", Attack(1.0, T::Shelling)),
    ("kidnapped|kidnapping|kidnappings|kidnap|kidnappers|abducted|abduction|abductions|abduct|taken hostage|hostage|hostages|seized|captured|abduction of|kidnapping of|abducting|held hostage|took hostage", Attack(1.2, T::Abduction)),
    ("torched|set ablaze|set on fire|burned down|burnt down|looted|looting", Attack(0.6, T::None)),
    ("violence|violent|insecurity|insurgency|jihad", Attack(0.2, T::None)),
    // Killings of one person and close-range violence (issue 16's vocabulary).
    ("assassinated|assassination|assassinations|assassinate|lynched|lynching|lynch mob|stabbed|stabbing|stabbed to death|hacked to death|beaten to death|beat to death|beat him to death|beat them to death|burned alive|burnt alive|beheaded|beheading|beheadings|decapitated|slit the throat|slit the throats|slit their throats|gunned down|shot and killed|machine-gunned|riddled with bullets|murder|murders|murdered|murdering", Attack(1.5, T::None)),
    ("exchanged fire|exchange of fire|exchanges of fire|traded fire|trading fire|fire exchange|grenade|grenades|hand grenade|grenade attack|rocket|rocket-propelled grenade|rocket-propelled grenades|rpg|rpgs|mortar shells|mortar rounds|artillery fire|artillery", Attack(1.0, T::None)),
    ("invaded|invade|invades|invading|overwhelmed", Attack(1.0, T::Raid)),
    ("aggressors|aggressor|unidentified assailants|unknown assailants|unknown gunmen|unidentified armed men|unidentified attackers|suspected jihadists|suspected militants|suspected terrorists", Attack(1.5, T::None)),
    // ---- violent events (French) ----
    ("embuscade|embuscades|embuscade complexe|tendu une embuscade|pris dans une embuscade", Attack(2.0, T::Ambush)),
    ("tuerie|tueries|massacre|massacres|massacree|massacrees|carnage|boucherie", Attack(2.0, T::Massacre)),
    ("execute|executes|executee|executees|executions|execution|executions sommaires", Attack(1.2, T::Massacre)),
    ("hommes armes|individus armes|hommes armes non identifies|individus armes non identifies|groupe arme|groupes armes|assaillants|assaillant|agresseurs|bandits armes|hommes lourdement armes", Attack(1.5, T::None)),
    ("jihadistes|jihadiste|djihadistes|djihadiste|islamistes|terroristes|terroriste|insurges|rebelles|hors-la-loi|criminels armes", Attack(0.5, T::None)),
    ("attaque|attaques|attaquee|attaquees|attaquer|attaquaient|attaquait|attaquent|ont attaque|a attaque|assaut|assauts", Generic(1.0)),
    ("attaque terroriste|attaques terroristes|attaque jihadiste|attaques jihadistes|attaque djihadiste|attaque armee|attaques armees|attaque meurtriere|attaques meurtrieres|attentat|attentats|attaque complexe", Attack(2.0, T::Armed)),
    ("raid|raids|razzia|incursion|incursions", Attack(1.0, T::Raid)),
    ("ont pris d'assaut|pris d'assaut|se sont empares|envahi", Attack(1.5, T::Armed)),
    ("ouvert le feu|ouvrir le feu|ouvrant le feu|tirs|coups de feu|fusillade|fusillades|echanges de tirs|tires|abattus|abattu", Attack(1.0, T::None)),
    ("affrontements|affrontement|accrochage|accrochages|combats|combat|heurts", Attack(0.7, T::None)),
    ("engin explosif|engins explosifs|engin explosif improvise|engins explosifs improvises|eei|mine artisanale|mines artisanales|engin piege|engins pieges|mine antipersonnel|mines antipersonnel|explosion d'une mine|sauter sur une mine|saute sur une mine|sautent sur une mine|saute sur des mines|heurte une mine|a heurte une mine|mine terrestre|mines terrestres|mine anti-char|mines anti-char|mine antichar|mines antichars|engin explosif de fabrication artisanale|engins explosifs de fabrication artisanale|engin artisanal|engins artisanaux|saute sur un engin|sautent sur un engin|explosion d'un engin|explosion d'un engin explosif|vehicule a saute|a saute|ont saute|sautant sur|fait sauter", Attack(1.8, T::Ied)),
    ("bombe|bombes|explosion|explosions|explosifs", Attack(0.8, T::Ied)),
    ("attentat-suicide|attentat suicide|attentats-suicides|attentats suicides|kamikaze|kamikazes|vehicule piege|vehicules pieges|voiture piegee|vehicule kamikaze|vehicules kamikazes|se sont fait exploser|s'est fait exploser|ceinture d'explosifs", Attack(2.0, T::Suicide)),
    ("frappe aerienne|frappes aeriennes|bombardement|bombardements|raid aerien|raids aeriens", Attack(1.2, T::AirStrike)),
    ("frappe de drone|frappes de drone|frappes de drones|frappe de drones|attaque de drone|attaque au drone|frappe par drone", Attack(1.5, T::Drone)),
    ("obus|tirs d'obus|mortier|mortiers|tirs de mortier|roquettes|tirs de roquettes", Attack(1.0, T::Shelling)),
    ("enleve|enleves|enlevee|enlevees|enlevement|enlevements|kidnappe|kidnappes|kidnappee|kidnappees|kidnapping|otage|otages|pris en otage|pris en otages|ravisseurs|enlevement de|enlevement d'|rapt|rapts|rapt de|rapt d'|retenus en otage|enlevant|kidnappant", Attack(1.2, T::Abduction)),
    ("incendie|incendies|incendiees|incendie des|pille|pilles|pillage|brule|brules", Attack(0.5, T::None)),
    ("violences|insecurite|crise securitaire", Attack(0.2, T::None)),
    ("assassinat|assassinats|assassine|assassines|assassinee|assassinees|assassiner|egorge|egorges|egorgee|egorgees|egorgement|decapite|decapites|decapitee|lynche|lynches|lynchee|lynchage|poignarde|poignardes|poignardee|battu a mort|battus a mort|battue a mort|roue de coups|roues de coups|crible de balles|cribles de balles|abattu froidement|tue par balles|tues par balles|tuee par balles|brule vif|brules vifs|meurtre|meurtres|meurtrier|meurtriere", Attack(1.5, T::None)),
    ("echange de tirs|echanges de tirs|echange de coups de feu|grenade|grenades|lance-roquettes|lance-roquette|obus de mortier|tirs d'artillerie|artillerie|attaque a la grenade", Attack(1.0, T::None)),
    ("attaque par|attaquee par|attaques par|attaquees par|ont ete attaques|a ete attaque|a ete attaquee|ont ete attaquees|pris pour cible|prise pour cible|pris pour cibles|ciblee par|cible par|vise par|visee par|visees par", Attack(1.5, T::Armed)),
    ("envahi|envahie|envahissent|ont envahi|ont investi", Attack(1.0, T::Raid)),
    // ---- casualties ----
    ("assassinated|lynched|stabbed to death|beaten to death|beat to death|hacked to death|decapitated|shot and killed|murder|murders|riddled with bullets", Kill),
    ("lynche|lynches|lynchee|battu a mort|battus a mort|battue a mort|decapite|decapites|crible de balles|cribles de balles|tue par balles|tues par balles|tuee par balles|poignarde a mort", Kill),
    ("killed|kill|kills|killing|slain|murdered|died|die|dies|dying|lost their lives|lost his life|were killed|executed|shot dead|massacred|claimed the lives of|claimed the lives|claimed the life of|claimed the life|cost the lives of|costing the lives of|cost the life of|took the lives of|taking the lives of|killed at least|gunned down|hacked to death|burned alive|burnt alive|beheaded|perished|were slaughtered", Kill),
    ("tue|tues|tuee|tuees|tuant|tuer|tuent|ont tue|a tue|ont ete tues|ont peri|periront|peri|decede|decedes|morts au combat|tombes|ont perdu la vie|perdu la vie|trouve la mort|assassines|assassine|executes|executees|abattus|massacres|massacrees|coute la vie|coute la vie a|a coute la vie a|ont coute la vie a|couter la vie a|fauche|egorges|egorge|decapites|brules vifs|ont succombe|a succombe|succombe|ont ete abattus|tombes sous les balles", Kill),
    ("lost|losing|perdu|perdre|lose", KillBefore),
    ("dead|deaths|bodies|corpses|fatalities|lives|victims|mort|morts|deces|corps|cadavres|victimes|pertes en vies humaines", DeadNoun),
    ("wounded|injured|injuring|wounding|injuries|hurt|blesses|blesse|blessee|blessees|blessant|grievement blesses", Wound),
    ("kidnapped|abducted|taken hostage|enleves|enlevees|kidnappes|pris en otage|enlevement de|abduction of|kidnapping of|enleve|enlevant|kidnappe|kidnappant|abducting|kidnapping|rounded up|carried off|emmene|emmenes|emmenant|enlevement d'|rapt de|rapt d'|pris en otages|held hostage|took hostage|retenus en otage", Abduct),
    ("missing|disparus|portes disparus|porte disparu|unaccounted for|arrested|arrests|detained|interpelle|interpelles|interpellees|interpellations|arretes|arretees|arrestations|captured|faits prisonniers|prisoners|prisonniers|taken prisoner|surrendered|rescued|freed|liberes|evacuated|evacues", Missing),
    ("rises to|rose to|risen to|has risen to|had risen to|climbed to|climbs to|has climbed to|increased to|has increased to|has reached|had reached|passe a|est passe a|s'est alourdi a|s'alourdit a|grimpe a|a grimpe a|atteint|a atteint|s'eleve desormais a|s'eleve a|s'elevait a", TollRise),
    ("toll|death toll|tolls|casualty toll|casualties|losses|bilan|bilan provisoire|nouveau bilan|pertes|lourd bilan|a fait|ont fait|left|leaving", Toll),
    ("neutralised|neutralized|neutralise|neutralize|neutralising|neutralizing|neutralises|neutralisees|neutralisee|eliminated|elimines|eliminated|mis hors d'etat de nuire", Neutralise),
    // ---- people ----
    ("soldier|soldiers|troops|troop|servicemen|serviceman|gendarmes|gendarme|policemen|policeman|police officers|police|customs officers|guardsmen|army|military personnel|personnel|officers|recruits|trainees|peacekeepers|blue helmets|militiamen|militia members|militia|auxiliaries|volunteers|vdp|security forces|defence forces|defense forces|comrades|fama", Noun(Noun::Mil)),
    ("militaires|militaire|soldats|soldat|gendarmes|policiers|douaniers|gardes|eleves gendarmes|eleves-gendarmes|recrues|casques bleus|miliciens|supplétifs|supletifs|volontaires|fds|elements|forces de defense et de securite|forces de securite|sous-officiers|officiers|hommes de troupe|nos soldats|nos hommes", Noun(Noun::Mil)),
    ("civilians|civilian|villagers|residents|inhabitants|women|children|worshippers|worshipers|faithful|displaced|displaced people|traders|merchants|shopkeepers|miners|gold miners|herders|farmers|passengers|travellers|travelers|pupils|students|teachers|christians|muslims|fulani|peul|peuls|dogon|tuareg|herdsmen|men and boys|farmer|herder|herdsman|trader|merchant|shopkeeper|villager|resident|teacher|student|pupil|child|boy|girl|woman|driver|passenger|traveller|traveler|worker|aid worker|miner|gold miner|imam|pastor|priest|catechist|village chief|chief|mayor|councillor|councilor|official|civil servant|nurse|doctor|health worker|journalist|tourist|herdsboy|fisherman|fishermen|hunter|hunters|elder|elders|notable|notables|vendor|vendors|shepherd|shepherds", Noun(Noun::Civ)),
    ("civils|civil|villageois|habitants|femmes|enfants|fideles|deplaces|personnes deplacees|commercants|orpailleurs|eleveurs|agriculteurs|cultivateurs|passagers|voyageurs|eleves|enseignants|chretiens|musulmans|populations|population civile|agriculteur|cultivateur|eleveur|commercant|habitant|enseignant|enseignante|instituteur|eleve|enfant|femme|fillette|garcon|chauffeur|passager|voyageur|orpailleur|imam|pasteur|pretre|catechiste|chef de village|chef coutumier|maire|conseiller|conseiller municipal|fonctionnaire|infirmier|infirmiere|agent de sante|journaliste|touriste|pecheur|pecheurs|chasseur|chasseurs|notable|notables|vendeur|vendeurs|berger|bergers|marabout|marabouts|humanitaire|travailleur humanitaire", Noun(Noun::Civ)),
    ("people|persons|individuals|personnes|individus|men|hommes|ames|russians|russes", Noun(Noun::People)),
    ("jihadists|jihadist|islamists|islamist militants|militants|insurgents|terrorists|extremists|attackers|assailants|gunmen|fighters|rebels|separatists|enemies|enemy|bandits|raiders|islamist fighters|jihadist fighters|suspected militants|elements of", Noun(Noun::Attacker)),
    ("jihadistes|djihadistes|terroristes|assaillants|insurges|combattants|rebelles|ennemis|bandits|hommes armes|islamistes|hors-la-loi|criminels|separatistes|elements terroristes|terroristes presumes", Noun(Noun::Attacker)),
    // ---- targets ----
    ("army camp|military camp|army base|military base|base|camp|army post|military post|post|outpost|detachment|barracks|convoy|column|checkpoint|patrol|unit|military position|army position|positions|garrison|gendarmerie|police station|airport|air base|military zone|brigade", Target(Noun::Mil)),
    ("camp militaire|base militaire|poste militaire|poste avance|poste|detachement|caserne|convoi|colonne|patrouille|unite|position|positions|garnison|brigade|commissariat|aeroport|camp de l'armee|emprise", Target(Noun::Mil)),
    ("village|villages|hamlet|hamlets|market|weekly market|mosque|church|wedding|funeral|bus|displacement camp|camp for displaced|gold mining site|mining site|homes|houses|hameau|hameaux|marche|mosquee|eglise|mariage|car de transport|site d'orpaillage|site aurifere|campements|campement|concessions", Target(Noun::Civ)),
    // ---- actors ----
    ("jnim|gsim|jama'at nusrat al-islam wal-muslimin|jamaat nusrat al-islam wal muslimin|jama'a nusrat ul-islam wa al-muslimin|jama'at nusrat al-islam wa al-muslimin|group for the support of islam and muslims|support group for islam and muslims|groupe de soutien a l'islam et aux musulmans|groupe pour le soutien de l'islam et des musulmans|nusrat al-islam", Actor(0)),
    ("islamic state sahel province|islamic state in the sahel|islamic state sahel|islamic state's sahel province|is sahel|is-sahel|issp|sahel province|islamic state in the greater sahara|islamic state greater sahara|isgs|etat islamique au grand sahara|etat islamique dans le grand sahara|eigs|etat islamique au sahel|etat islamique-sahel|province du sahel de l'etat islamique|ei-sahel|eis|province du sahel", Actor(1)),
    ("islamic state west africa province|islamic state's west africa province|west africa province|iswap|etat islamique en afrique de l'ouest|province de l'afrique de l'ouest|eiao|iswa", Actor(2)),
    ("boko haram|jas|jama'atu ahlis sunna lidda'awati wal-jihad", Actor(3)),
    ("ansarul islam|ansaroul islam|ansar ul islam|ansarul-islam", Actor(4)),
    ("katiba macina|macina katiba|katiba du macina|macina liberation front|front de liberation du macina|flm|katiba serma", Actor(5)),
    ("dan na ambassagou|dan na amassagou|dana ambassagou", Actor(6)),
    ("csp-dpa|csp|cadre strategique permanent|strategic framework for the defence of the people of azawad|permanent strategic framework|fla|front de liberation de l'azawad|azawad liberation front|cma|coordination des mouvements de l'azawad|tuareg rebels|tuareg-led separatists|rebelles touareg|separatistes touareg", Actor(7)),
    ("wagner|wagner group|groupe wagner|africa corps|russian mercenaries|russian fighters|mercenaires russes|russian paramilitaries|paramilitaires russes|foreign fighters identified as russians|instructeurs russes|russian military personnel", Actor(8)),
    ("malian armed forces|malian army|mali's army|forces armees maliennes|armee malienne|malian troops|malian soldiers|soldats maliens|militaires maliens", Actor(9)),
    ("burkinabe army|burkina faso army|burkina army|burkinabe soldiers|armee burkinabe|forces armees nationales|soldats burkinabe|militaires burkinabe", Actor(10)),
    ("nigerien army|niger army|niger's army|forces armees nigeriennes|armee nigerienne|nigerien troops|nigerien soldiers|soldats nigeriens|militaires nigeriens", Actor(11)),
    ("chadian army|chad's army|armee tchadienne|armee nationale tchadienne|chadian troops|chadian soldiers|soldats tchadiens|militaires tchadiens", Actor(12)),
    ("volunteers for the defence of the homeland|volunteers for the defense of the homeland|volontaires pour la defense de la patrie|vdp", Actor(13)),
    ("koglweogo|koglweogos", Actor(14)),
    ("dozo|dozos|dozo hunters|traditional hunters|chasseurs traditionnels|chasseurs dozos|chasseurs dozo", Actor(15)),
    ("unidentified gunmen|unknown gunmen|hommes armes non identifies|individus armes non identifies", Actor(16)),
    ("islamic state|isis|isil|daesh|etat islamique|organisation etat islamique|amaq", Actor(17)),
    ("al-qaeda|al qaeda|al-qaida|al qaida|al-qaeda-linked|al qaeda-linked|al-qaida-linked|al-qaeda affiliate|affilie a al-qaida|lie a al-qaida", Actor(18)),
    ("ansar dine|ansar eddine", Actor(19)),
    ("aqim|aqmi|al-qaeda in the islamic maghreb|al-qaida au maghreb islamique", Actor(20)),
    ("al-shabaab|al shabaab|shebab|shabab", Actor(21)),
    ("mauritanian army|armee mauritanienne", Actor(22)),
    // ---- claims ----
    ("claimed|claims|claim|claiming|claimed responsibility|claim of responsibility|claimed the attack|revendique|revendiquee|revendiques|revendiquent|revendication|revendications|a revendique|ont revendique|responsibility", Claim),
    ("no group|no one has|nobody has|not claimed|unclaimed|no claim|has yet to|not been claimed|any claim|aucun groupe|aucune revendication|n'a pas ete revendiquee|n'a ete revendiquee|pas ete revendiquee|n'a pas ete revendique|non revendiquee|whether|denied|nie|deny|denies|suspected|soupconne|soupconnes", Negation),
    ("no losses|no loss|without losses|without loss|no casualties|any losses|any loss|no soldier was killed|no soldiers were killed|no deaths|no victims|aucune perte|sans pertes|sans perte|sans faire de victimes|aucun mort|aucune victime|no losses among", NoLoss),
    // ---- background / old incidents ----
    ("anniversary|anniversaire|commemoration|commemorations|commemorate|commemorated|commemorating|commemorer|commemore|memorial|remembrance|recueillement|se souviennent|se souvenir|souvenir|in memory of|en memoire de", Background(2.0)),
    ("one year after|a year after|years after|year on|years on|un an apres|deux ans apres|trois ans apres|ans apres|il y a un an|il y a deux ans|il y a cinq ans|il y a dix ans|years ago|a year ago|ans plus tard|un an plus tard|three weeks after|four weeks after|trois semaines apres|quatre semaines apres|months after|mois apres|a month after|un mois apres|more than a year on|plus d'un an apres|il y a trois ans|il y a quatre ans|il y a six ans|il y a sept ans|il y a huit ans|il y a neuf ans", Background(1.5)),
    ("cela fait un an|cela fait deux ans|cela fait trois ans|cela fait quatre ans|cela fait cinq ans|cela fait six ans|cela fait sept ans|cela fait huit ans|cela fait neuf ans|cela fait dix ans|jour pour jour|years ago today|years to the day|to the day|remembering|remembered", Background(2.0)),
    ("trial|on trial|trials|proces|verdict|sentenced|sentence|condamne|condamnes|condamnation|reconnu coupable|found guilty|convicted|acquitted|acquitte|court|tribunal|cour d'assises|cour penale|assize court|icc|cpi|judges|juges|prosecutors|procureur|defendant|jugement|judgment|indicted|inculpe", Background(1.0)),
    ("report published|published its report|fact-finding|fact-finding mission|publie un rapport|rapport publie|annual report|rapport annuel|retrospective|looking back|retour sur", Background(0.8)),
    ("last year|l'an dernier|l'annee derniere|l'an passe|the previous year|previous attack|earlier attack|precedent|precedente|avaient ete|avait ete|avaient fait|avait fait|avaient tue|avait tue|the same camp|the last major|the worst remains|the worst was|at the time|a l'epoque|de l'epoque|since then|depuis lors|recalled|rappelle|plus tot|earlier this month|earlier this year|last month|le mois dernier|les mois precedents|in a previous|dans une precedente|previously|auparavant", Past),
    ("avant l'attaque|avant cette attaque|before the attack|before this attack|prior to the attack|prior to this attack", Aggregate),
    ("a day after|days after|a week after|weeks after|a month after|barely a month after|less than a week after|less than 24 hours after|less than a month after|un jour apres|jours apres|une semaine apres|semaines apres|un mois apres|moins d'une semaine apres|moins d'un mois apres|moins de 24 heures apres|comes after|came after|comes days after|survient apres|intervient apres|survient moins|intervient moins|follows|alongside|in the wake of|on the heels of|the day after|hours after|heures apres|au lendemain de|au lendemain d'|au lendemain du|au lendemain des|survient au lendemain|intervient au lendemain", After),
    ("since|depuis|since the start of|since the beginning of|depuis le debut", Since),
    ("monthly bulletin|monthly report|monthly update|monthly review|monthly summary|monthly tally|monthly operations|weekly bulletin|weekly report|weekly update|weekly review|weekly summary|operations bulletin|operational bulletin|operational update|over the month|over the past month|in the past month|during the month|over the past week|in the past week|over the week|over the past two weeks|in the past two weeks|bilan mensuel|bulletin mensuel|rapport mensuel|bilan hebdomadaire|bulletin hebdomadaire|bilan des operations|au cours du mois|durant le mois|pendant le mois|au cours de la semaine ecoulee|la semaine ecoulee|le mois ecoule|au cours du mois ecoule", Period),
    ("this year|so far this year|cette annee|depuis le debut de l'annee|in recent years|ces dernieres annees|over the past year|over the past decade|since it began|since the start|en une decennie|a decade|decade-long|nine-year|dix ans|ten years|the war|la guerre|the insurgency|l'insurrection|the conflict|le conflit|au total depuis|every week|chaque semaine|since 2015|depuis 2015|has killed|have killed|ont fait des milliers|a fait des milliers|thousands of people|des milliers de", Aggregate),
    // ---- metaphors / other meanings of attack ----
    ("heart attack|heart attacks|crise cardiaque|crises cardiaques|attaque cardiaque|stroke|strokes|avc|cardiac|asthma attack|panic attack|cardiologists|cardiologues", Metaphor(3.0)),
    ("cyber attack|cyber attacks|cyberattack|cyberattacks|cyber-attack|cyber-attacks|cyberattaque|cyberattaques|ransomware|hackers|hacker|hacked|hacking|pirates informatiques|piratage|ddos|malware|phishing|websites|sites internet|servers|serveurs|data breach", Metaphor(2.5)),
    ("midfielder|striker|strikers|forward|attaquant|attaquants|milieu offensif|goal|goals|scored|scorer|header|penalty|equaliser|equalizer|quarter-final|quarter-finals|semi-final|semi-finals|knockout|cup of nations|afcon|can 2024|coupe d'afrique|tournament|tournoi|football|footballer|footballeur|soccer|league|championnat|coach|selectionneur|the eagles|les aigles|stallions|etalons|derby|defender|defence held|half-time|mi-temps|match|matches|scouts|academy|rebound|winger", Metaphor(1.5)),
    ("marathon|semi-marathon|half-marathon|runner|runners|coureur|coureurs|course|cycliste|cyclists|tour du faso|sprint|peloton|race|athletics|athletisme|kilometre|finish line|ligne d'arrivee", Metaphor(1.2)),
    ("locust|locusts|criquet|criquets|criquet pelerin|swarm|swarms|essaims|crops|cultures|pests|ravageurs|chenilles|armyworm|pasture|paturages", Metaphor(1.2)),
    ("speech|fiery speech|scathing|scathing attack|verbal attack|diatribe|rhetoric|tirade|harangue|discours|tribune|general assembly|assemblee generale|attack on freedoms|attaque contre les libertes|atteinte aux libertes|press freedom|liberte de la presse|political parties|partis politiques|criticised|critique", Metaphor(1.0)),
    // ---- non-event news ----
    ("floods|flooding|flood|flash floods|inondations|inondation|torrential rains|heavy rains|pluies diluviennes|pluies torrentielles|crue|crues|sinistres|rainy season|saison des pluies", NonEvent(1.5)),
    ("drought|secheresse|lean season|soudure|food insecurity|insecurite alimentaire|famine|malnutrition|hunger|faim|cholera|epidemic|epidemie|meningitis|meningite|heatwave|canicule", NonEvent(1.0)),
    ("election|elections|presidential|presidentielle|legislatives|scrutin|vote|votes|ballot|referendum|polls|electoral|electorale|candidate|candidat|campaign|campagne electorale|inauguration|investiture|re-elected|reelu", NonEvent(0.8)),
    ("coup|coups|putsch|coup d'etat|junta|junte|military rulers|transition|charte|assises|constitution|decree|decret|seized power|seize power|seizing power|took power|taken power|power grab|pris le pouvoir|prise du pouvoir|prise de pouvoir|removed president|renverse", NonEvent(0.4)),
    ("offensive|offensive operations|military operations|air and ground operations|counter-terrorism operations|operations|sweep|sweeps|ratissage|operations de securisation|hideouts|caches|logistics bases|heavy blows|lourdes pertes a l'ennemi", NonEvent(0.5)),
    ("mining code|code minier|gold mine|gold mines|mine d'or|uranium|mining|miniere|minier|permit|permis|stockpile|barrick|orano|oil|petrole|exports|exportations|revenues|recettes", NonEvent(0.6)),
    ("festival|fespaco|film|films|cinema|concert|music|musique|exhibition|exposition|fashion|mode|culture|culturel", NonEvent(1.0)),
    ("summit|sommet|ecowas|cedeao|aes|alliance of sahel states|alliance des etats du sahel|confederation|diplomacy|diplomatie|ambassador|ambassadeur|agreement|accord|treaty|traite|cooperation", NonEvent(0.4)),
    ("withdrawal|withdraw|withdrew|pull out|pullout|retrait|depart|departure|leaving|have left|ont quitte|handover|handed over", NonEvent(0.5)),
    ("humanitarian|humanitaire|aid agencies|aid workers|displacement|internally displaced|idps|personnes deplacees internes|refugees|refugies|unhcr|hcr|ocha|wfp|pam|funding|financement|appeal|appel de fonds", NonEvent(0.4)),
    ("road accident|traffic accident|accident de la route|accident de la circulation|boat capsized|naufrage|drowned|noyes|fire broke out|collapse|effondrement|accident|accidents|crash|crashed|plane crash|helicopter crash|collision|capsized|chavire|chavirement|landslide|eboulement|electrocuted|electrocutes|lightning|foudre|stampede|bousculade|collapsed|s'est effondre|derailment|deraillement|incendie accidentel|overturned|overturns|overturning|s'est renverse|derape|sortie de route|percute|percutee|fell into|tombe dans", NonEvent(1.2)),
    ("doctors|medecins|hospital|hopital|health|sante|patients|disease|maladie|vaccination", NonEvent(0.3)),
    // ---- context ----
    ("operate|operates|operating|active|roam|roams|stronghold|strongholds|fief|entrenched|present in|presence|implante|actifs|actif|sevissent|hunting ground|terrain d'action|core areas|bastion|uncertain|operations in the area|operate in the area|is known to operate|are known to operate|sont actifs|est actif|opere|operent|operant", Presence),
    ("suspected|suspect|soupconne|soupconnes|soupconnee|presume|presumes|presumee|presumes|blamed|blamed on|blaming|blame|accuses|accused|accusing|accuse|accusent|accusaient|attributed to|attribue a|attribuee a|imputee a|impute a|mise en cause|mis en cause|attribution|pointed the finger|pointe du doigt|believed to be|thought to be", Blame),
    ("refugees|refugee|refugies|refugie|asylum|asile|fled|fleeing|flee|fled to|ont fui|fuyant|fuir|fui|crossed into|crossed from|pour into|poured into|arrivals|arrivees|exodus|exode|sheltering|shelter|hosts|accueille|evacuated|evacues|evacue|transferred|transferes|hospital in|hopital de|chr de", Refugee),
    ("originaire|originaires|originally from|natives of|native of|hails from|hail from|hailed from|ressortissant|ressortissants|ressortissante|ressortissantes|nationals of|citizens of|venant de|venant du|venant des|en provenance de|en provenance du|qui venait de|qui venaient de|coming from|travelling from|traveling from|arriving from|en route from", Origin),
    ("border|borders|frontier|frontiers|frontiere|frontieres|frontalier|frontaliere|frontaliers|frontalieres|tri-border|three borders|trois frontieres|borderlands|borderland|confins|jonction|cross-border|transfrontalier|border with|frontiere avec|near the border", Border),
    ("region|regions|province|provinces|cercle|department|departement|commune|wilaya|prefecture|district|region du|region de|regions du|province du|province de|cercle de|departement de|commune de|governorate|state|etat", RegionWord),
    // ---- dates ----
    ("mourning|national mourning|deuil|deuil national|funeral|funerals|funeral ceremony|funerailles|obseques|inhumes|inhumation|buried|burial|visited|visite|visiting|condolences|condoleances|condemned|condamne|a condamne|flags|drapeaux|declared|decrete|a decrete", Aftermath),
    ("monday|lundi", Weekday(0)),
    ("tuesday|mardi", Weekday(1)),
    ("wednesday|mercredi", Weekday(2)),
    ("thursday|jeudi", Weekday(3)),
    ("friday|vendredi", Weekday(4)),
    ("saturday|samedi|weekend|week-end|the weekend|le week-end|ce week-end", Weekday(5)),
    ("sunday|dimanche", Weekday(6)),
    ("january|jan|janvier|janv", Month(1)),
    ("february|feb|fevrier|fevr", Month(2)),
    ("march|mar|mars", Month(3)),
    ("april|apr|avril", Month(4)),
    ("may|mai", Month(5)),
    ("june|jun|juin", Month(6)),
    ("july|jul|juillet|juil", Month(7)),
    ("august|aug|aout", Month(8)),
    ("september|sept|sep|septembre", Month(9)),
    ("october|oct|octobre", Month(10)),
    ("november|nov|novembre", Month(11)),
    ("december|dec|decembre", Month(12)),
    ("yesterday|hier|last night|hier soir|la nuit derniere|overnight|hier matin|yesterday morning", RelDay(-1)),
    ("avant-hier|day before yesterday", RelDay(-2)),
    ("today|aujourd'hui|this morning|ce matin|tonight|ce soir|ce lundi|ce mardi|ce mercredi|ce jeudi|ce vendredi|ce samedi|ce dimanche|earlier today|earlier on", RelDay(0)),
    ("last week|la semaine derniere|la semaine passee|last week's", RelDay(-7)),
    ("affirme|affirment|a affirme|ont affirme|assure|assurent|dit|disent|a dit|ont dit|estime|claims|claimed|says|cites|citing", Announce),
    ("said|says|say|announced|announces|a annonce|annonce|ont annonce|declared|a declare|statement|communique|reported|reports|told|a indique|indique|a precise|precise|selon|according to|confirmed|a confirme|admitted|a reconnu|published|publie|gave|released|issued|appris|a appris|ont appris|learned|learnt|rapporte|rapportent|a rapporte|signale|a signale|ont signale|tweeted|posted|briefing|press conference|conference de presse|communiquee|relayed|relaye|confie|a confie|quoted|reporte", Announce),
    // ---- neutral and foreign names ----
    ("lake chad|lac tchad|lac-tchad|niger river|river niger|fleuve niger|the niger|gulf of guinea|golfe de guinee|lake chad basin|bassin du lac tchad|sahara|central sahel|sahel central|west africa|afrique de l'ouest|western sahel|west african", Neutral),
    ("niger state|niger delta|etat du niger|delta du niger", Foreign("NG")),
    ("nigeria|nigerian|nigerians|nigerian army|nigerians|nigerian's|nigeriane|nigerianes|nigerians|borno|maiduguri|yobe|adamawa|sokoto|zamfara|katsina|kebbi|kano|lagos|abuja|gwoza|bama|konduga|damboa|monguno|kaduna|benue|plateau state|kwara", Foreign("NG")),
    ("benin|beninese|beninois|beninoise|beninoises|alibori|atacora|borgou|cotonou|porto-novo|pendjari|parc w|w park|w national park|point triple", Foreign("BJ")),
    ("togo|togolese|togolais|togolaise|togolaises|lome|dapaong|kpendjal|savanes region|region des savanes", Foreign("TG")),
    ("ghana|ghanaian|ghaneen|accra|bawku", Foreign("GH")),
    ("algeria|algerian|algerie|algerien|algerienne|algeriens|algiers|alger|tamanrasset|bordj badji mokhtar|in guezzam", Foreign("DZ")),
    ("libya|libyan|libye|libyen|libyenne|tripoli|benghazi|fezzan|sebha", Foreign("LY")),
    ("sudan|sudanese|soudan|soudanais|soudanaise|khartoum|darfur|darfour|west darfur|el geneina|el-geneina|geneina|el fasher|el-fasher|rsf|rapid support forces|forces de soutien rapide", Foreign("SD")),
    ("cameroon|cameroonian|cameroun|camerounais|camerounaise|yaounde|far north region|extreme-nord|extreme nord|kousseri|mora", Foreign("CM")),
    ("senegal|senegalese|senegalais|dakar", Foreign("SN")),
    ("guinea|guinean|guinee|guineen|conakry", Foreign("GN")),
    ("ivory coast|cote d'ivoire|ivorian|ivoirien|ivoirienne|abidjan|bouake|korhogo", Foreign("CI")),
    ("central african republic|centrafrique|centrafricain|central african|bangui", Foreign("CF")),
    ("somalia|somali|somalie|mogadishu|mogadiscio|puntland|jubaland", Foreign("SO")),
    ("mozambique|mozambican|mozambicain|cabo delgado|palma|mocimboa da praia|maputo", Foreign("MZ")),
    ("kenya|kenyan|nairobi|ethiopia|ethiopian|ethiopie|addis ababa", Foreign("KE")),
    ("dr congo|democratic republic of congo|rdc|congolese|congolais|ituri|north kivu|nord-kivu|goma|kinshasa", Foreign("CD")),
    ("egypt|egyptian|egypte|tunisia|tunisian|tunisie|morocco|moroccan|maroc|marocain|rabat", Foreign("MA")),
    ("germany|german|allemagne|allemand|allemande|berlin|cologne|france|french|francais|francaise|paris|belgium|belgique|spain|espagne|italy|italie|united kingdom|britain|british|london|londres|europe|european|europeen", Foreign("EU")),
    ("syria|syrian|syrie|iraq|irak|afghanistan|pakistan|israel|gaza|yemen|iran|turkey|turquie|ukraine|russia|russie|moscow|moscou|united states|etats-unis|washington|american|americain|americaine", Foreign("XX")),
];

/// Names that are also common words: they count as places only when
/// capitalised and next to a region word ("Sahel region", "région du Nord").
pub(crate) const REGION_ONLY_NAMES: &[&str] = &[
    "sahel",
    "est",
    "nord",
    "sud",
    "ouest",
    "centre",
    "lac",
    "plateau",
    "centre-est",
    "centre-ouest",
    "centre-sud",
    "north",
    "east",
    "west",
    "south",
    "centre-nord",
    "central",
    "centrale",
    "eastern",
    "western",
    "northern",
    "southern",
    "north-west",
    "north-east",
    "south-west",
    "south-east",
    "nord-ouest",
    "nord-est",
    "sud-ouest",
    "sud-est",
    "littoral",
    "maritime",
    "plateaux",
    "savanes",
    "northern state",
    "far north",
    "extreme-nord",
    "upper east",
    "upper west",
    "centre-north",
    "north-central",
    "capital",
    "kara",
    "logone",
    "cascades",
    "sud-ouest",
];

/// Names that collide with common English/French words and count only in a
/// locative context, capitalised.
pub(crate) const COMMON_WORD_NAMES: &[&str] = &[
    "say", "bani", "mine", "tin", "an", "gay", "bam", "sole", "po", "leo", "mani", "dia", "bara",
    "kara", "mao", "ati", "bol", "am", "ali", "salam", "oum", "bir", "sama", "boni", "bare",
    "nara", "douna", "gorom", "tabou", "bis", "ko", "to", "man", "gold", "camp", "base", "post",
    "poste", "point", "mont", "mare", "port", "sale", "dire", "san", "bla", "lai", "ber", "biu",
    "tuy", "usa", "bbm", "fct", "oyo", "imo", "edo", "zou", "oti", "reo", "yao", "gay",
];

/// Every word of every lexicon form (folded), and the names that are also
/// common words: a village of one of these names would be read in every
/// story.
pub(crate) fn words() -> Vec<String> {
    let mut out: Vec<String> = TERMS
        .iter()
        .flat_map(|(forms, _)| forms.split('|'))
        .flat_map(|f| f.split(|c: char| !c.is_ascii_alphanumeric()))
        .chain(REGION_ONLY_NAMES.iter().copied())
        .chain(COMMON_WORD_NAMES.iter().copied())
        .map(crate::text::name_key)
        .filter(|w| !w.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The lexicon with a word trie built over its terms and every gazetteer
/// name.
pub(crate) struct Lexicon {
    trie: WordTrie,
    /// By actor index: the gazetteer's demonym row of a national army's
    /// country ("Malian soldiers", "soldats maliens" say the country).
    army_demonym: [Option<u32>; 32],
    /// Context phrases before place names ("attack on", "near", "fled to").
    pub(crate) context: crate::classify::CtxTable,
    /// For pattern `i`, `entries[ranges[i].0..ranges[i].1]`.
    ranges: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    /// The patterns, for the reference scanner of the tests.
    #[cfg(test)]
    patterns: Vec<String>,
}

/// One lexicon hit (whole words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub start: u32,
    pub end: u32,
    pub pat: u32,
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type IntMap<V> = HashMap<u64, V, BuildHasherDefault<IntHash>>;

/// No node, no pattern, no word.
const NONE: u32 = u32::MAX;

/// A hash for keys that are already integers (packed words, node/word
/// pairs): one multiplication, folded so that both the low bits (the
/// bucket) and the high bits (the tag) of the result are mixed.
#[derive(Default, Clone, Copy)]
struct IntHash(u64);

impl std::hash::Hasher for IntHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("IntHash hashes u64 keys only")
    }
    fn write_u64(&mut self, x: u64) {
        let h = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// Word bytes: ASCII letters and digits, and every byte of a non-ASCII
/// character (as [`crate::text::is_word_byte`]), as a table.
const WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = is_word_byte(c as u8);
        c += 1;
    }
    t
};

/// A word of up to 8 bytes packed into an integer, one byte after the
/// other (no word byte is 0, so different words give different keys).
#[inline]
fn pack(w: &[u8]) -> u64 {
    w.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b))
}

/// The patterns as sequences of words. A pattern (see [`anchor`]) is a
/// sequence of words separated by single spaces, and it matches where the
/// folded text has the same words, whole, separated by exactly one byte
/// that is not a word byte (a space, a hyphen, an apostrophe...).
///
/// Matching a word at a time does the work of the Aho-Corasick automaton
/// that was here before (leftmost-longest matches at word starts, kept only
/// when they end at a word end, retried shorter otherwise), with one hash
/// lookup per word of the text instead of an automaton step (and failure
/// transitions) per byte. The test `word_trie_matches_the_automaton` checks
/// that both find the same hits.
struct WordTrie {
    /// The id of every word of up to 8 bytes that occurs in a pattern, by
    /// its packed bytes ([`pack`]).
    short_words: IntMap<u32>,
    /// The id of every longer word.
    long_words: FnvMap<Box<[u8]>, u32>,
    /// By word id: the node of the patterns that start with the word.
    root: Vec<u32>,
    /// (node << 32 | word id) → child node, below the root.
    edges: IntMap<u32>,
    /// By node: the pattern that ends there (or `NONE`), and whether the
    /// node has children.
    nodes: Vec<(u32, bool)>,
}

/// Normalise a folded pattern: every ASCII character that is not a letter
/// or digit becomes a space (the words of a pattern are what lies between
/// them), spaces collapse, and one leading space marks the word start.
fn anchor(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 1);
    out.push(' ');
    let mut space = true;
    for c in p.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            if !space {
                out.push(' ');
                space = true;
            }
        } else {
            out.push(c);
            space = false;
        }
    }
    while out.ends_with(' ') && out.len() > 1 {
        out.pop();
    }
    out
}

fn pattern_variants(p: &str, out: &mut Vec<String>) {
    let p = p.trim();
    if p.is_empty() {
        return;
    }
    out.push(anchor(p));
    if p.contains('-') || p.contains('\'') {
        out.push(anchor(&p.replace(['-', '\''], "")));
    }
    out.dedup();
}

impl WordTrie {
    fn new(patterns: &[String]) -> Self {
        let mut t = WordTrie {
            short_words: IntMap::default(),
            long_words: FnvMap::default(),
            root: Vec::new(),
            edges: IntMap::default(),
            nodes: Vec::new(),
        };
        for (pat, p) in patterns.iter().enumerate() {
            let mut node = NONE;
            // Patterns made of punctuation only have no word: they are never
            // built (names need two letters or digits, terms are words).
            for w in p.split(' ').filter(|w| !w.is_empty()) {
                let next_id = t.root.len() as u32;
                let w = w.as_bytes();
                let id = if w.len() <= 8 {
                    *t.short_words.entry(pack(w)).or_insert(next_id)
                } else {
                    *t.long_words.entry(w.into()).or_insert(next_id)
                };
                if id == next_id {
                    t.root.push(NONE);
                }
                let fresh = t.nodes.len() as u32;
                let child = if node == NONE {
                    let c = &mut t.root[id as usize];
                    if *c == NONE {
                        *c = fresh;
                    }
                    *c
                } else {
                    t.nodes[node as usize].1 = true;
                    *t.edges
                        .entry(u64::from(node) << 32 | u64::from(id))
                        .or_insert(fresh)
                };
                if child == fresh {
                    t.nodes.push((NONE, false));
                }
                node = child;
            }
            if node != NONE {
                t.nodes[node as usize].0 = pat as u32;
            }
        }
        t
    }
}

impl Lexicon {
    /// Build the trie over the lexicon and all the gazetteer's names.
    pub(crate) fn new(gazetteer: &Gazetteer) -> Self {
        let mut map: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut vars = Vec::new();
        for (forms, cat) in TERMS {
            for f in forms.split('|') {
                vars.clear();
                pattern_variants(f, &mut vars);
                for v in &vars {
                    let e = map.entry(v.clone()).or_default();
                    if !e.iter().any(|x| matches!(x, Entry::Lex(c) if c == cat)) {
                        e.push(Entry::Lex(*cat));
                    }
                }
            }
        }
        for (i, p) in gazetteer.places().iter().enumerate() {
            let mut names: Vec<String> = p.names().map(fold).collect();
            if p.kind == PlaceKind::Country {
                // "Burkina" alone for Burkina Faso is common.
                names.retain(|n| !n.is_empty());
            }
            names.sort();
            names.dedup();
            for n in names {
                if n.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
                    continue;
                }
                vars.clear();
                pattern_variants(&n, &mut vars);
                for v in &vars {
                    let e = map.entry(v.clone()).or_default();
                    if !e
                        .iter()
                        .any(|x| matches!(x, Entry::Place(j) if *j == i as u32))
                    {
                        e.push(Entry::Place(i as u32));
                    }
                }
            }
        }
        let mut patterns: Vec<String> = Vec::with_capacity(map.len());
        let mut ranges = Vec::with_capacity(map.len());
        let mut entries = Vec::new();
        let mut keys: Vec<_> = map.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, es) in keys {
            let s = entries.len() as u32;
            entries.extend(es);
            ranges.push((s, entries.len() as u32));
            patterns.push(k);
        }
        let mut army_demonym = [None; 32];
        for (actor, cc) in [
            (9usize, "ML"),
            (10, "BF"),
            (11, "NE"),
            (12, "TD"),
            (22, "MR"),
        ] {
            army_demonym[actor] = gazetteer
                .places()
                .iter()
                .position(|p| p.kind == PlaceKind::Demonym && p.country == cc)
                .map(|i| i as u32);
        }
        Lexicon {
            army_demonym,
            trie: WordTrie::new(&patterns),
            context: crate::classify::context_table(),
            ranges,
            entries,
            #[cfg(test)]
            patterns,
        }
    }

    /// The demonym row of the country whose army `actor` is, if any.
    pub(crate) fn army_demonym(&self, actor: u8) -> Option<u32> {
        self.army_demonym.get(actor as usize).copied().flatten()
    }

    /// All hits in folded `text`, left to right, whole words only: at each
    /// word, the longest pattern that starts there; after a hit, the next
    /// word after it.
    pub(crate) fn scan(&self, text: &str, out: &mut Vec<Hit>) {
        let t = &self.trie;
        let b = text.as_bytes();
        // The words of the text that occur in patterns: (start, end, id).
        let mut toks: Vec<(u32, u32, u32)> = Vec::with_capacity(b.len() / 5 + 1);
        let mut i = 0;
        while i < b.len() {
            if !WORD_BYTE[b[i] as usize] {
                i += 1;
                continue;
            }
            let s = i;
            // Pack the first 8 bytes on the way.
            let mut key = 0u64;
            while i < b.len() && WORD_BYTE[b[i] as usize] {
                key = (key << 8) | u64::from(b[i]);
                i += 1;
            }
            let id = if i - s <= 8 {
                t.short_words.get(&key)
            } else {
                t.long_words.get(&b[s..i])
            };
            // A word of no pattern is left out: no pattern goes through it,
            // and the words on either side of it are not one byte apart,
            // so they are not taken for neighbours below.
            if let Some(&id) = id {
                toks.push((s as u32, i as u32, id));
            }
        }
        let mut k = 0;
        while k < toks.len() {
            let (start, _, w) = toks[k];
            let mut node = t.root[w as usize];
            if node == NONE {
                k += 1;
                continue;
            }
            // Follow the words after it while they continue a pattern,
            // remembering the longest complete one.
            let mut best = None;
            let mut j = k;
            loop {
                let (pat, children) = t.nodes[node as usize];
                if pat != NONE {
                    best = Some((j, pat));
                }
                if !children || j + 1 >= toks.len() {
                    break;
                }
                let next = toks[j + 1];
                if next.0 != toks[j].1 + 1 {
                    break;
                }
                match t.edges.get(&(u64::from(node) << 32 | u64::from(next.2))) {
                    Some(&c) => {
                        node = c;
                        j += 1;
                    }
                    None => break,
                }
            }
            match best {
                Some((j, pat)) => {
                    out.push(Hit {
                        start,
                        end: toks[j].1,
                        pat,
                    });
                    k = j + 1;
                }
                None => k += 1,
            }
        }
    }

    #[inline]
    pub(crate) fn entries(&self, pat: u32) -> &[Entry] {
        let (s, e) = self.ranges[pat as usize];
        &self.entries[s as usize..e as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(lex: &Lexicon, text: &str) -> Vec<(String, Vec<Cat>)> {
        let mut hits = Vec::new();
        lex.scan(text, &mut hits);
        hits.iter()
            .map(|h| {
                (
                    text[h.start as usize..h.end as usize].to_string(),
                    lex.entries(h.pat)
                        .iter()
                        .filter_map(|e| match e {
                            Entry::Lex(c) => Some(*c),
                            _ => None,
                        })
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn longest_match_and_word_boundaries() {
        let lex = Lexicon::new(&Gazetteer::default());
        let c = cats(&lex, "a heart attack, not an attack; attackers x");
        assert!(c
            .iter()
            .any(|(t, k)| t == "heart attack" && matches!(k[0], Metaphor(_))));
        assert!(c
            .iter()
            .any(|(t, k)| t == "attack" && matches!(k[0], Generic(_))));
        assert!(c.iter().any(|(t, _)| t == "attackers"));
        // "kill" inside "skill" is not a word.
        let c = cats(&lex, "his skill");
        assert!(c.iter().all(|(t, _)| t != "kill"));
    }

    #[test]
    fn hyphen_and_apostrophe_variants() {
        let lex = Lexicon::new(&Gazetteer::default());
        let c = cats(
            &lex,
            "al qaida and al-qaeda and jamaat nusrat al-islam wal muslimin",
        );
        let actors: Vec<_> = c
            .iter()
            .filter(|(_, k)| k.iter().any(|x| matches!(x, Actor(_))))
            .collect();
        assert_eq!(actors.len(), 3);
    }
}

/// The word trie against the scanner it replaced (one Aho-Corasick
/// automaton over the patterns, leftmost-longest, with word-end retries):
/// both must find the same hits in any folded text.
#[cfg(test)]
mod trie_tests {
    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

    use super::*;
    use crate::text::{boundary_after, floor_boundary, FoldedText};

    fn automaton(patterns: &[String]) -> AhoCorasick {
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(patterns)
            .expect("automaton builds")
    }

    /// The former `Lexicon::scan`, verbatim but for the automaton argument.
    fn automaton_scan(ac: &AhoCorasick, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        // A leading space, then the folded text with every ASCII
        // non-alphanumeric byte replaced by a space (same offsets + 1).
        let mut mt = vec![b' '];
        mt.extend(text.bytes().map(|b| {
            if b < 0x80 && !b.is_ascii_alphanumeric() {
                b' '
            } else {
                b
            }
        }));
        let bytes = text.as_bytes();
        let mut pos = 0usize;
        while pos < mt.len() {
            let Some(m) = ac.find(Input::new(&mt).range(pos..)) else {
                break;
            };
            let (s, e) = (m.start(), m.end() - 1);
            if boundary_after(bytes, e) {
                out.push(Hit {
                    start: s as u32,
                    end: e as u32,
                    pat: m.pattern().as_u32(),
                });
                pos = m.end();
                continue;
            }
            let mut lim = m.end() - 1;
            let mut found = false;
            while lim > m.start() + 1 {
                while lim > m.start() + 1 && mt[lim] != b' ' {
                    lim -= 1;
                }
                if lim <= m.start() + 1 {
                    break;
                }
                let inp = Input::new(&mt)
                    .range(m.start()..lim)
                    .anchored(Anchored::Yes);
                if let Some(m2) = ac.find(inp) {
                    let e2 = m2.end() - 1;
                    if boundary_after(bytes, e2) {
                        out.push(Hit {
                            start: s as u32,
                            end: e2 as u32,
                            pat: m2.pattern().as_u32(),
                        });
                        found = true;
                        pos = m2.end();
                        break;
                    }
                }
                lim -= 1;
            }
            if !found {
                let mut p = m.start() + 1;
                while p < mt.len() && mt[p] != b' ' {
                    p += 1;
                }
                pos = p;
            }
        }
        out
    }

    fn trie_scan(lex: &Lexicon, text: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        lex.scan(text, &mut out);
        out
    }

    #[test]
    fn word_trie_matches_the_automaton() {
        let lex = Lexicon::new(&Gazetteer::embedded());
        assert!(
            lex.patterns.iter().all(|p| p.trim() != ""),
            "a pattern without a word"
        );
        let ac = automaton(&lex.patterns);
        let mut texts: Vec<String> = [
            "",
            "a",
            " niger",
            "niger nigerien niger-nigeria, al qaida al-qaida alqaida",
            "l'attaque d'inata. tillaberi,niamey--gao  bamako \u{e9}gao gao\u{e9}",
            "jnim jama'at nusrat al-islam wal-muslimin, boko haram's",
            "heart attack, not an attack; attackers x his skill",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Word soup: words of the patterns, whole, cut, extended, or not
        // words of any pattern, joined by every kind of separator.
        let words: Vec<&str> = lex
            .patterns
            .iter()
            .flat_map(|p| p.split(' '))
            .filter(|w| !w.is_empty())
            .collect();
        let seps = [
            " ", " ", " ", "-", "'", ", ", "  ", ".", "\n", " (", "\u{e9} ",
        ];
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut t = String::new();
            // Start from a pattern so that long patterns get exercised.
            t.push_str(lex.patterns[next(lex.patterns.len())].trim_start());
            for _ in 0..next(12) {
                t.push_str(seps[next(seps.len())]);
                let w = words[next(words.len())];
                match next(8) {
                    0 => t.push_str(&w[..floor_boundary(w, w.len() - 1)]),
                    1 => {
                        t.push_str(w);
                        t.push('s');
                    }
                    2 => t.push_str("zz"),
                    3 => t.push_str(lex.patterns[next(lex.patterns.len())].trim_start()),
                    _ => t.push_str(w),
                }
            }
            texts.push(t);
        }
        // The stories of the dev corpus, folded as the classifier does.
        let dev = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/corpus/dev/feeds"
        ));
        if let Ok(dir) = std::fs::read_dir(dev) {
            for e in dir.flatten() {
                let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
                let mut f = FoldedText::with_capacity(raw.len());
                f.push_folded(&raw, 0);
                texts.push(f.text);
            }
        }
        for t in &texts {
            assert_eq!(trie_scan(&lex, t), automaton_scan(&ac, t), "in {t:?}");
        }
    }
}
