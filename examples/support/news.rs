//! The synthetic news of the benchmarks: 1,000 sources in 2 regions; titles, summaries and
//! ~1 KB of HTML content drawn by a seeded PRNG from a few hundred English news words and Irish
//! and Cypriot place names; ~10% of the entries in Greek. Shared by `bench_search` and
//! `bench_stories` (`#[path]` modules: examples have no library of their own).

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use islands::model::{Attribution, Entry, EntryId, SourceId};

pub const SOURCES: usize = 1000;
/// Minutes between two consecutive entries: 100k entries span ~694 days, so `after:2026-01-01`
/// keeps ~44% of them.
pub const SPACING_MINUTES: i64 = 10;

/// A small seeded PRNG (SplitMix64): the same entries on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed ^ 0x5EED_1515_CAFE_F00D);
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }

    /// A word of a list ordered from common to rare: index `n * u^2`, so the first words come
    /// up far more often than the last, roughly as in prose.
    fn skewed<'a>(&mut self, words: &[&'a str]) -> &'a str {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        words[((u * u) * words.len() as f64) as usize]
    }
}

/// Common words first, then news words, roughly from frequent to rare.
const ENGLISH: &str = "the of to and a in for on that is with was at by from as said it has \
    will are have be its after new their this over more up but not which were about than into \
    two last also year people week council government minister harbour ferry strike port ship \
    passengers workers union talks pay deal budget plan plans housing rent prices homes water \
    energy electricity bills winter summer tourism tourists hotel airport flights airline road \
    roads traffic bridge bus buses rail train station transport commuters police court judge \
    trial case arrest investigation report survey figures percent rise fall rose fell record \
    numbers season weather storm storms rain wind warning coast beach island village town city \
    county district mayor election vote voters party opposition leader president parliament \
    committee law bill proposal reform health hospital patients doctors nurses school schools \
    students teachers university children families residents community protest march campaign \
    environment climate pollution fishing fishermen boats quay marina pier dock cargo container \
    shipping trade exports business companies jobs economy growth bank interest rates loans \
    inflation costs tax spending funding money euro million billion month morning evening \
    night Monday Tuesday Wednesday Thursday Friday Saturday Sunday spring autumn delays \
    cancelled services timetable schedule route tickets fares heritage festival music culture \
    museum theatre church football hurling match team club league championship won lost cup \
    final players coach stadium fire firefighters emergency ambulance accident crash injured \
    safety inspection planning permission development construction works apartments property \
    market buyers supply drought reservoir farmers farming crops wine olive visitors cruise \
    sailing lifeboat coastguard rescue crew captain navy border customs officials sources \
    statement spokesperson announced confirmed denied warned called urged agreed rejected \
    approved delayed opened closed launched completed expected planned proposed increase \
    decrease shortage crisis pressure concerns fears hopes support against between during \
    before under since while across around local national European regional public private \
    former annual major minor early late";

const IRISH_PLACES: [&str; 20] = [
    "Dublin",
    "Cork",
    "Galway",
    "Limerick",
    "Waterford",
    "Dún Laoghaire",
    "Kilkenny",
    "Sligo",
    "Wexford",
    "Howth",
    "Kinsale",
    "Cobh",
    "Rosslare",
    "Killarney",
    "Donegal",
    "Athlone",
    "Drogheda",
    "Dundalk",
    "Clare",
    "Kerry",
];

const CYPRIOT_PLACES: [&str; 12] = [
    "Limassol",
    "Nicosia",
    "Larnaca",
    "Paphos",
    "Famagusta",
    "Kyrenia",
    "Ayia Napa",
    "Protaras",
    "Troodos",
    "Polis",
    "Paralimni",
    "Episkopi",
];

const GREEK: &str = "το η ο και της του των σε για με από να θα που την τον στο στην τα οι \
    είναι δεν ότι ένα μια Βουλή δήμος δήμαρχος λιμάνι πεζόδρομος κυβέρνηση υπουργός πρόεδρος \
    απεργία πλοίο πλοία επιβάτες εργαζόμενοι συντεχνίες μισθοί προϋπολογισμός σχέδιο στέγαση \
    ενοίκια τιμές νερό ενέργεια ρεύμα λογαριασμοί χειμώνας καλοκαίρι τουρισμός τουρίστες \
    ξενοδοχεία αεροδρόμιο πτήσεις δρόμος κυκλοφορία λεωφορεία αστυνομία δικαστήριο έρευνα \
    έκθεση ποσοστό αύξηση μείωση ρεκόρ καιρός καταιγίδα βροχή προειδοποίηση ακτή παραλία χωριό \
    πόλη επαρχία εκλογές ψηφοφορία κόμμα αντιπολίτευση νόμος νομοσχέδιο μεταρρύθμιση υγεία \
    νοσοκομείο ασθενείς γιατροί σχολεία μαθητές πανεπιστήμιο οικογένειες κάτοικοι διαμαρτυρία \
    περιβάλλον ψαράδες μαρίνα εμπόριο επιχειρήσεις δουλειές οικονομία τράπεζα επιτόκια \
    πληθωρισμός κόστος φόροι εκατομμύρια ευρώ εβδομάδα σήμερα χθες Δευτέρα Τρίτη \
    καθυστερήσεις δρομολόγια εισιτήρια φεστιβάλ μουσική πολιτισμός ποδόσφαιρο αγώνας ομάδα \
    πρωτάθλημα φωτιά πυροσβέστες τροχαίο ασφάλεια ανάπτυξη οικοδομή διαμερίσματα ακίνητα \
    αγρότες ελιές κρασί λειψυδρία φράγματα";

const GREEK_PLACES: [&str; 8] = [
    "Λεμεσός",
    "Λευκωσία",
    "Λάρνακα",
    "Πάφος",
    "Αμμόχωστος",
    "Κερύνεια",
    "Αγία Νάπα",
    "Τρόοδος",
];

const TAGS: [&str; 10] = [
    "Transport",
    "Politics",
    "Business",
    "Sport",
    "Weather",
    "Health",
    "Housing",
    "Environment",
    "Culture",
    "Crime",
];

const GREEK_TAGS: [&str; 5] = [
    "Πολιτική",
    "Οικονομία",
    "Αθλητικά",
    "Κοινωνία",
    "Πολιτισμός",
];

const AUTHORS: [&str; 12] = [
    "Aoife Byrne",
    "Ciarán Murphy",
    "Siobhán Kelly",
    "Seán O'Brien",
    "Niamh Walsh",
    "Gráinne Doyle",
    "Andreas Georgiou",
    "Eleni Christodoulou",
    "Nikos Ioannou",
    "Maria Constantinou",
    "Stavros Demetriou",
    "Katerina Panayiotou",
];

const GREEK_AUTHORS: [&str; 4] = [
    "Ανδρέας Γεωργίου",
    "Ελένη Χριστοδούλου",
    "Νίκος Ιωάννου",
    "Κατερίνα Παναγιώτου",
];

const OUTLETS: [&str; 5] = ["Courier", "Herald", "Post", "Times", "Radio"];

pub struct Vocabulary {
    english: Vec<&'static str>,
    greek: Vec<&'static str>,
}

impl Vocabulary {
    pub fn new() -> Vocabulary {
        Vocabulary {
            english: ENGLISH.split_whitespace().collect(),
            greek: GREEK.split_whitespace().collect(),
        }
    }
}

/// Source `n`: the first half in Ireland, the rest in Cyprus.
pub fn source_name(n: usize) -> String {
    let place = if n < SOURCES / 2 {
        IRISH_PLACES[n % IRISH_PLACES.len()]
    } else {
        CYPRIOT_PLACES[n % CYPRIOT_PLACES.len()]
    };
    format!("{place} {} {n}", OUTLETS[n % OUTLETS.len()])
}

pub fn feed_url(n: usize) -> String {
    format!("http://news{n}.example/feed.xml")
}

/// `count` words of running text: mostly the language's vocabulary, about one in twelve a
/// place name (of the entry's region, with a few of the other's in English).
fn words(rng: &mut Rng, vocabulary: &[&str], places: &[&str], count: usize, out: &mut String) {
    for k in 0..count {
        if k > 0 {
            out.push(' ');
        }
        let word = match rng.below(12) {
            0 => rng.pick(places),
            1 if rng.below(8) == 0 => rng.pick(&IRISH_PLACES),
            _ => rng.skewed(vocabulary),
        };
        out.push_str(word);
    }
}

/// Entry `i`: source `i % 1000`, `SPACING_MINUTES` older than entry `i - 1`; a title of 6-10
/// words, a summary of 20-30, ~1 KB of HTML paragraphs with a link. One in five of the Cypriot
/// sources' entries (~10% of all) is in Greek.
pub fn entry(i: usize, base: DateTime<Utc>, vocabulary: &Vocabulary) -> Entry {
    let mut rng = Rng::new(i as u64);
    let source = i % SOURCES;
    let cyprus = source >= SOURCES / 2;
    let region = if cyprus { "cyprus" } else { "ireland" };
    let greek = cyprus && rng.below(5) == 0;
    let (vocabulary, places, tags, authors): (&[&str], &[&str], &[&str], &[&str]) = if greek {
        (
            &vocabulary.greek,
            &GREEK_PLACES,
            &GREEK_TAGS,
            &GREEK_AUTHORS,
        )
    } else if cyprus {
        (&vocabulary.english, &CYPRIOT_PLACES, &TAGS, &AUTHORS)
    } else {
        (&vocabulary.english, &IRISH_PLACES, &TAGS, &AUTHORS)
    };
    let link = format!("http://news{source}.example/story/{i}");
    let published = base - chrono::Duration::minutes(SPACING_MINUTES * i as i64);

    let mut title = rng.pick(places).to_string();
    title.push_str(": ");
    let count = 5 + rng.below(5);
    words(&mut rng, vocabulary, places, count, &mut title);
    let mut summary = "<p>".to_string();
    let count = 20 + rng.below(11);
    words(&mut rng, vocabulary, places, count, &mut summary);
    summary.push_str(".</p>");
    let mut content = String::with_capacity(1200);
    let mut paragraph = 0;
    while content.len() < 1000 {
        content.push_str("<p>");
        words(&mut rng, vocabulary, places, 17, &mut content);
        content.push_str(&format!(" <a href=\"{link}#p{paragraph}\">"));
        words(&mut rng, vocabulary, places, 3, &mut content);
        content.push_str("</a> ");
        words(&mut rng, vocabulary, places, 20, &mut content);
        content.push_str(".</p>");
        paragraph += 1;
    }
    let mut categories = vec![rng.pick(tags).to_string()];
    if rng.below(2) == 0 {
        let second = rng.pick(tags).to_string();
        if second != categories[0] {
            categories.push(second);
        }
    }
    Entry {
        id: EntryId::from_key(&format!("uri:{link}")),
        public_id: link.clone(),
        title,
        link: Some(link),
        published,
        updated: published,
        authors: vec![rng.pick(authors).to_string()],
        summary: Some(summary),
        content: Some(content),
        categories,
        enclosures: vec![],
        sources: vec![Attribution {
            name: source_name(source),
            feed_url: SourceId::new(&feed_url(source).parse().expect("a valid URL")),
            title: Some(source_name(source)),
            site_url: Some(format!("http://news{source}.example/")),
            region: region.to_string(),
        }],
        regions: vec![region.to_string()],
        article: None,
        held_back: false,
        language: greek.then(|| "el".to_string()),
        image: None,
    }
}

/// The config: bench_scale's, with every one of the 1,000 sources configured (the index looks
/// each entry's source up in the config for its slug, as the daemon's would).
pub fn config_toml() -> String {
    let mut text = CONFIG_HEAD.to_string();
    for (slug, name, sources) in [
        ("ireland", "Ireland", 0..SOURCES / 2),
        ("cyprus", "Cyprus", SOURCES / 2..SOURCES),
    ] {
        text.push_str(&format!(
            "\n[[region]]\nslug = \"{slug}\"\nname = \"{name}\"\n"
        ));
        for n in sources {
            text.push_str(&format!(
                "\n[[region.source]]\nname = \"{}\"\nurl = \"{}\"\n",
                source_name(n),
                feed_url(n)
            ));
        }
    }
    text
}

const CONFIG_HEAD: &str = r#"[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
subtitle = "From Trinity st. to Limassol, Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"
contact = "tips@islands.example"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[search]
path = "store/search"

[schedule]
refresh = "0 0 0 1 1 *"

[articles]
dir = "articles"
"#;
