//! Value objects, parsed once at the edge ("parse, don't validate"). Past the parser the rest
//! of the code holds types that cannot be invalid.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a raw value was refused. `field` names the input so the API can say which one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValueError {
    pub field: &'static str,
    pub message: String,
}

impl ValueError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// An ISO 639 language, normalised to its two-letter code when it has one ("spa" → "es")
/// and to its three-letter code otherwise ("ase", American Sign Language).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LanguageCode(String);

impl LanguageCode {
    /// Letters of a code: ISO 639-1 (2) or 639-3 (3), after trimming.
    pub const CHARS: std::ops::RangeInclusive<usize> = 2..=3;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        const FIELD: &str = "language";
        let code = raw.trim().to_ascii_lowercase();
        let language = match code.len() {
            2 => isolang::Language::from_639_1(&code),
            3 => isolang::Language::from_639_3(&code),
            _ => None,
        }
        .ok_or_else(|| {
            ValueError::new(
                FIELD,
                format!("unknown language code {raw:?}; use ISO 639-1 or 639-3"),
            )
        })?;
        let normalised = language.to_639_1().unwrap_or_else(|| language.to_639_3());
        Ok(Self(normalised.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// English name, for boards and reports.
    pub fn english_name(&self) -> &'static str {
        isolang::Language::from_639_1(&self.0)
            .or_else(|| isolang::Language::from_639_3(&self.0))
            .map_or("unknown", |l| l.to_name())
    }
}

impl TryFrom<String> for LanguageCode {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<LanguageCode> for String {
    fn from(code: LanguageCode) -> Self {
        code.0
    }
}

impl fmt::Display for LanguageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a closed set of lowercase string values with `parse`, `as_str` and serde.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                match raw.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(ValueError::new(
                        $field,
                        format!("{raw:?} is not one of {}", [$($text),+].join(", ")),
                    )),
                }
            }

            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// How the requester and the interpreter meet.
    Modality, "modality" { Video => "video", Audio => "audio" }
);
string_enum!(
    /// Subject-matter expertise a call needs and an interpreter holds.
    Specialty, "specialty" { General => "general", Medical => "medical", Legal => "legal" }
);
string_enum!(
    /// Urgent calls are offered before normal ones.
    Priority, "priority" { Normal => "normal", Urgent => "urgent" }
);
string_enum!(
    /// The presence an interpreter (or a supervisor for them) sets. `Away` is set by the
    /// router when offers keep expiring unanswered.
    AgentStatus, "status" { Available => "available", Break => "break", Offline => "offline", Away => "away" }
);
string_enum!(
    /// How a queue picks among eligible interpreters.
    RoutingStrategy, "strategy" {
        LongestIdle => "longest_idle",
        RoundRobin => "round_robin",
        FewestCallsToday => "fewest_calls_today",
        BestProficiency => "best_proficiency",
    }
);

impl AgentStatus {
    /// Statuses a person may choose; `away` is only set by the system.
    pub fn parse_chosen(raw: &str) -> Result<Self, ValueError> {
        match Self::parse(raw) {
            Ok(Self::Away) => Err(ValueError::new(
                "status",
                "\"away\" is set by the system; choose available, break or offline",
            )),
            Ok(status) => Ok(status),
            // Not the list of every status: `away` is not a choice.
            Err(_) => Err(ValueError::new(
                "status",
                format!("{raw:?} is not one of available, break, offline"),
            )),
        }
    }
}

/// A login email, trimmed and lowercased so lookups are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest address, in bytes (RFC 5321's path limit less the angle brackets).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let email = raw.trim().to_lowercase();
        if email.len() > Self::MAX_LEN || !email_address::EmailAddress::is_valid(&email) {
            return Err(ValueError::new(
                "email",
                format!("{raw:?} is not a valid email address"),
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Declares a small integer within an inclusive range.
macro_rules! bounded_int {
    ($(#[$doc:meta])* $name:ident($int:ty), $field:literal, $min:literal ..= $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($int);

        impl $name {
            pub const MIN: $int = $min;
            pub const MAX: $int = $max;

            pub fn parse(raw: i64) -> Result<Self, ValueError> {
                <$int>::try_from(raw)
                    .ok()
                    .filter(|v| (Self::MIN..=Self::MAX).contains(v))
                    .map(Self)
                    .ok_or_else(|| {
                        ValueError::new($field, format!("{raw} is outside {}..={}", Self::MIN, Self::MAX))
                    })
            }

            pub fn get(&self) -> $int {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = ValueError;
            fn try_from(raw: i64) -> Result<Self, Self::Error> {
                Self::parse(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(v: $name) -> Self {
                i64::from(v.0)
            }
        }
    };
}

bounded_int!(
    /// How well an interpreter masters a language: 1 (basic) to 5 (native / certified).
    Proficiency(u8), "proficiency", 1..=5
);
bounded_int!(
    /// A requester's rating of a finished call.
    Stars(u8), "stars", 1..=5
);

/// Declares a trimmed, length-bounded piece of text.
macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:literal ..= $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Fewest characters, after trimming (the API documents the same bound).
            pub const MIN_CHARS: usize = $min;
            /// Most characters, after trimming.
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValueError> {
                let text = raw.trim();
                let chars = text.chars().count();
                if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
                    return Err(ValueError::new(
                        $field,
                        format!("must be {} to {} characters, got {chars}", Self::MIN_CHARS, Self::MAX_CHARS),
                    ));
                }
                if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err(ValueError::new($field, "must not contain control characters"));
                }
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }
    };
}

bounded_text!(
    /// The outcome code an interpreter files at wrap-up ("completed", "no_show", ...).
    Disposition, "disposition", 1..=64
);
bounded_text!(
    /// Free text: wrap-up notes, rating comments.
    Notes, "notes", 0..=2000
);
bounded_text!(
    /// A display name: of a person or of a queue.
    DisplayName, "name", 1..=120
);

/// What a sealed token starts with: `sealed:v1:<key id>:<base64url of nonce and ciphertext>`.
/// The command API seals personal text with AES-256-GCM before it reaches a command; the
/// domain only carries the token (docs/privacy.md).
pub const SEALED_PREFIX: &str = "sealed:v1:";

/// Personal free text sealed outside the domain (crypto-shredding, issue 26): opaque here.
/// Bounded so that no token can grow an event without limit (2,000 characters of notes
/// seal to under 11,000).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SealedText(String);

impl SealedText {
    pub const MAX_LEN: usize = 16_384;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if !raw.starts_with(SEALED_PREFIX) || raw.len() > Self::MAX_LEN {
            return Err(ValueError::new("sealed", "is not a sealed token"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SealedText {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<SealedText> for String {
    fn from(v: SealedText) -> Self {
        v.0
    }
}

/// Free text about a person as an event holds it: a sealed token since issue 26, or the
/// plain text of events stored before it (those still read; stored events are never
/// edited). Both are one JSON string, so the field's shape is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PersonalText {
    Sealed(SealedText),
    Plain(Notes),
}

impl PersonalText {
    /// The text as stored: the token, or the plain text of an old event.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sealed(sealed) => sealed.as_str(),
            Self::Plain(notes) => notes.as_str(),
        }
    }
}

/// One language an interpreter works in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageSkill {
    pub code: LanguageCode,
    pub proficiency: Proficiency,
}

/// Everything routing needs to know about what an interpreter can do.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Skills {
    /// Languages paired with English.
    pub languages: Vec<LanguageSkill>,
    pub specialties: Vec<Specialty>,
    pub modalities: Vec<Modality>,
    /// Pairs of any two languages; either direction serves (`matching`). Skills stored
    /// before pairs existed read as none.
    #[serde(default)]
    pub pairs: Vec<crate::matching::LanguagePair>,
    #[serde(default)]
    pub certifications: Vec<crate::matching::Tag>,
}

impl Skills {
    /// Builds a skill set, refusing a language listed twice (which proficiency would count?).
    pub fn new(
        languages: Vec<LanguageSkill>,
        mut specialties: Vec<Specialty>,
        mut modalities: Vec<Modality>,
    ) -> Result<Self, ValueError> {
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = languages.iter().find(|l| !seen.insert(l.code.clone())) {
            return Err(ValueError::new(
                "languages",
                format!("language {} is listed twice", dup.code),
            ));
        }
        specialties.sort();
        specialties.dedup();
        modalities.sort();
        modalities.dedup();
        Ok(Self {
            languages,
            specialties,
            modalities,
            pairs: vec![],
            certifications: vec![],
        })
    }

    /// Adds pairs of any two languages, refusing a pair of a language with itself or a pair
    /// listed twice (in either direction).
    pub fn with_pairs(
        mut self,
        pairs: Vec<crate::matching::LanguagePair>,
    ) -> Result<Self, ValueError> {
        let mut seen = std::collections::BTreeSet::new();
        for pair in &pairs {
            if pair.from == pair.to {
                return Err(ValueError::new(
                    "pairs",
                    format!("{} pairs with itself", pair.from),
                ));
            }
            let key = if pair.from < pair.to {
                (&pair.from, &pair.to)
            } else {
                (&pair.to, &pair.from)
            };
            if !seen.insert(key) {
                return Err(ValueError::new(
                    "pairs",
                    format!("{}–{} is listed twice", key.0, key.1),
                ));
            }
        }
        self.pairs = pairs;
        Ok(self)
    }

    pub fn with_certifications(mut self, mut certifications: Vec<crate::matching::Tag>) -> Self {
        certifications.sort();
        certifications.dedup();
        self.certifications = certifications;
        self
    }

    pub fn proficiency_in(&self, code: &LanguageCode) -> Option<Proficiency> {
        self.languages
            .iter()
            .find(|l| &l.code == code)
            .map(|l| l.proficiency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn language_codes_are_normalised_to_two_letters_when_possible() {
        assert_eq!(
            LanguageCode::parse("spa").map(String::from),
            Ok("es".into())
        );
        assert_eq!(
            LanguageCode::parse(" ES ").map(String::from),
            Ok("es".into())
        );
        assert_eq!(
            LanguageCode::parse("ase").map(String::from),
            Ok("ase".into())
        );
        assert!(LanguageCode::parse("xx").is_err());
        assert!(LanguageCode::parse("english").is_err());
        assert!(LanguageCode::parse("").is_err());
    }

    #[test]
    fn away_cannot_be_chosen_by_a_person() {
        assert!(AgentStatus::parse_chosen("away").is_err());
        let unknown = AgentStatus::parse_chosen("sleeping")
            .unwrap_err()
            .to_string();
        assert!(!unknown.contains("away"), "{unknown}");
        assert_eq!(AgentStatus::parse_chosen("Break"), Ok(AgentStatus::Break));
    }

    #[test]
    fn skills_refuse_a_language_listed_twice() {
        let es = || LanguageSkill {
            code: LanguageCode::parse("es").unwrap(),
            proficiency: Proficiency::parse(3).unwrap(),
        };
        assert!(Skills::new(vec![es(), es()], vec![], vec![]).is_err());
    }

    proptest! {
        #[test]
        fn a_parsed_language_code_parses_again_to_itself(raw in "[a-zA-Z]{2,3}") {
            if let Ok(code) = LanguageCode::parse(&raw) {
                prop_assert_eq!(LanguageCode::parse(code.as_str()), Ok(code));
            }
        }

        #[test]
        fn proficiency_accepts_exactly_one_to_five(raw in any::<i64>()) {
            prop_assert_eq!(Proficiency::parse(raw).is_ok(), (1..=5).contains(&raw));
        }

        #[test]
        fn emails_parse_to_lowercase_and_stay_valid(local in "[a-zA-Z0-9._]{1,20}", domain in "[a-z]{1,10}\\.[a-z]{2,5}") {
            let raw = format!("{local}@{domain}");
            if let Ok(email) = Email::parse(&raw) {
                prop_assert_eq!(email.as_str(), raw.to_lowercase());
                prop_assert!(Email::parse(email.as_str()).is_ok());
            }
        }

        #[test]
        fn bounded_text_never_panics_and_is_trimmed(raw in "\\PC{0,80}") {
            if let Ok(d) = Disposition::parse(&raw) {
                prop_assert_eq!(d.as_str(), raw.trim());
            }
        }
    }
}
