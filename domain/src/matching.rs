//! Matching: which interpreter may take which call. One pure rule ([`check`]) used by the
//! router to choose and by `GET /api/calls/{id}/routing` to explain, so the two never
//! disagree.
//!
//! A call asks for a language pair (`source_language`, `language`), a modality, perhaps a
//! specialty (through its queue) and `requirements` (gender, certifications). Its
//! organisation's policy bans interpreters and may require certifications. The queue's
//! widening steps relax, one after another as the call waits, the proficiency floor, the
//! specialty and the request's own requirements, and may add another queue's
//! interpreters. Nothing relaxes a ban, a missing language pair, a missing modality, or a
//! certification the organisation requires.

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, QueueId};
use crate::values::{LanguageCode, Modality, Proficiency, Specialty, ValueError};

/// A short lowercase word naming an attribute: `court`, `medical`, `female`, …
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX_CHARS: usize = 32;

    /// Trims and lowercases; letters, digits, `_` and `-` only.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValueError> {
        let word = raw.trim().to_ascii_lowercase();
        let valid = (1..=Self::MAX_CHARS).contains(&word.len())
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(ValueError::new(
                field,
                format!(
                    "{raw:?} must be 1 to {} letters, digits, '_' or '-'",
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(word))
    }

    /// Parses a list, dropping repeats and sorting, so equal sets compare equal.
    pub fn parse_set(field: &'static str, raw: &[String]) -> Result<Vec<Self>, ValueError> {
        let mut tags = raw
            .iter()
            .map(|r| Self::parse(field, r))
            .collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        Ok(tags)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = ValueError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("tag", &raw)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> Self {
        tag.0
    }
}

/// An interpreter's pair of languages; either direction serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguagePair {
    pub from: LanguageCode,
    pub to: LanguageCode,
    pub proficiency: Proficiency,
}

impl LanguagePair {
    fn joins(&self, a: &LanguageCode, b: &LanguageCode) -> bool {
        (&self.from == a && &self.to == b) || (&self.from == b && &self.to == a)
    }
}

/// What an interpreter is, beyond skills: set on `PUT /api/agents/{id}/profile`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AgentProfile {
    pub gender: Option<Tag>,
}

/// What a request demands of its interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Requirements {
    #[serde(default)]
    pub gender: Option<Tag>,
    #[serde(default)]
    pub certifications: Vec<Tag>,
}

/// An organisation's rules for its calls (`PUT /api/organisations/{id}/policy`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrganisationPolicy {
    /// Offered first when free; the call waits up to `preferred_wait_s` for one of them.
    pub preferred_agent_ids: Vec<AgentId>,
    /// Never offered this organisation's calls, whatever the widening.
    pub banned_agent_ids: Vec<AgentId>,
    pub preferred_wait_s: u32,
    /// Every interpreter of this organisation's calls holds these; never relaxed.
    pub required_certifications: Vec<Tag>,
}

impl OrganisationPolicy {
    pub const PREFERRED_WAIT_RANGE_S: std::ops::RangeInclusive<u32> = 0..=3_600;
    /// Most interpreters on either list.
    pub const MAX_AGENTS: usize = 500;
}

/// One step of a queue's widening: taken `after_s` seconds into a call's wait in the queue.
/// Steps add up: step 2 keeps what step 1 relaxed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WideningStep {
    pub after_s: u32,
    /// A lower proficiency floor than the queue's.
    #[serde(default)]
    pub min_proficiency: Option<Proficiency>,
    #[serde(default)]
    pub drop_specialty: bool,
    /// Drops the request's own requirements (gender, certifications), not the
    /// organisation's.
    #[serde(default)]
    pub drop_requirements: bool,
    /// Also offers to this queue's interpreters.
    #[serde(default)]
    pub add_queue_id: Option<QueueId>,
}

impl WideningStep {
    pub const MAX_STEPS: usize = 10;
    pub const AFTER_RANGE_S: std::ops::RangeInclusive<u32> = 1..=86_400;

    /// Checks a queue's list: each step later than the one before, within bounds.
    pub fn check_list(steps: &[Self]) -> Result<(), ValueError> {
        if steps.len() > Self::MAX_STEPS {
            return Err(ValueError::new(
                "widening",
                format!("at most {} steps", Self::MAX_STEPS),
            ));
        }
        let mut previous = 0;
        for (index, step) in steps.iter().enumerate() {
            if !Self::AFTER_RANGE_S.contains(&step.after_s) || step.after_s <= previous {
                return Err(ValueError::new(
                    "widening",
                    format!(
                        "step {index}: after_s must be within {}..={} and later than the step before",
                        Self::AFTER_RANGE_S.start(),
                        Self::AFTER_RANGE_S.end()
                    ),
                ));
            }
            previous = step.after_s;
        }
        Ok(())
    }
}

/// The pool a call is offered to after `taken` widening steps: what the queue asks, as
/// relaxed so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub min_proficiency: Proficiency,
    pub specialty: Option<Specialty>,
    pub requirements_dropped: bool,
    /// The queues whose interpreters may take the call: its own and those added.
    pub queues: Vec<QueueId>,
}

impl Pool {
    pub fn widened(
        queue: QueueId,
        min_proficiency: Proficiency,
        specialty: Option<Specialty>,
        steps: &[WideningStep],
        taken: usize,
    ) -> Self {
        let mut pool = Self {
            min_proficiency,
            specialty,
            requirements_dropped: false,
            queues: vec![queue],
        };
        for step in steps.iter().take(taken) {
            if let Some(floor) = step.min_proficiency {
                pool.min_proficiency = pool.min_proficiency.min(floor);
            }
            if step.drop_specialty {
                pool.specialty = None;
            }
            pool.requirements_dropped |= step.drop_requirements;
            if let Some(extra) = step.add_queue_id
                && !pool.queues.contains(&extra)
            {
                pool.queues.push(extra);
            }
        }
        pool
    }
}

/// What a call asks of its interpreter.
#[derive(Debug, Clone, Copy)]
pub struct Need<'a> {
    pub source_language: &'a LanguageCode,
    pub language: &'a LanguageCode,
    pub modality: Modality,
    pub requirements: &'a Requirements,
    pub policy: Option<&'a OrganisationPolicy>,
}

/// What an interpreter brings.
#[derive(Clone, Copy)]
pub struct Offerable<'a> {
    pub id: AgentId,
    pub skills: &'a crate::values::Skills,
    pub profile: &'a AgentProfile,
    /// Whether the agent may take calls of each pool queue (membership), in `pool.queues`
    /// order.
    pub in_queue: &'a dyn Fn(QueueId) -> bool,
}

/// Why an interpreter may not take a call, as the routing explanation says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Mismatch {
    BannedByOrganisation,
    NotInQueue,
    PairMissing {
        from: LanguageCode,
        to: LanguageCode,
    },
    ProficiencyTooLow {
        has: Proficiency,
        needs: Proficiency,
    },
    ModalityMissing {
        modality: Modality,
    },
    SpecialtyMissing {
        specialty: Specialty,
    },
    /// Required by the organisation's policy.
    OrganisationCertificationMissing {
        certification: Tag,
    },
    /// Required by the request (a widening step may drop it).
    CertificationMissing {
        certification: Tag,
    },
    GenderMismatch {
        wanted: Tag,
    },
}

impl crate::values::Skills {
    /// The interpreter's proficiency between two languages: their pairs in either
    /// direction, and `languages`, which are pairs with English.
    pub fn proficiency_between(&self, a: &LanguageCode, b: &LanguageCode) -> Option<Proficiency> {
        let english = |code: &LanguageCode| code.as_str() == "en";
        let via_languages = if english(a) {
            self.proficiency_in(b)
        } else if english(b) {
            self.proficiency_in(a)
        } else {
            None
        };
        self.pairs
            .iter()
            .filter(|p| p.joins(a, b))
            .map(|p| p.proficiency)
            .chain(via_languages)
            .max()
    }
}

/// Whether `agent` may take a call needing `need` from `pool`: `Ok` or the first reason
/// not. Status and activity (free, busy) are the router's, not this rule's.
pub fn check(need: &Need<'_>, pool: &Pool, agent: &Offerable<'_>) -> Result<(), Mismatch> {
    if let Some(policy) = need.policy
        && policy.banned_agent_ids.contains(&agent.id)
    {
        return Err(Mismatch::BannedByOrganisation);
    }
    if !pool.queues.iter().any(|q| (agent.in_queue)(*q)) {
        return Err(Mismatch::NotInQueue);
    }
    let Some(has) = agent
        .skills
        .proficiency_between(need.source_language, need.language)
    else {
        return Err(Mismatch::PairMissing {
            from: need.source_language.clone(),
            to: need.language.clone(),
        });
    };
    if has < pool.min_proficiency {
        return Err(Mismatch::ProficiencyTooLow {
            has,
            needs: pool.min_proficiency,
        });
    }
    if !agent.skills.modalities.contains(&need.modality) {
        return Err(Mismatch::ModalityMissing {
            modality: need.modality,
        });
    }
    if let Some(specialty) = pool.specialty
        && !agent.skills.specialties.contains(&specialty)
    {
        return Err(Mismatch::SpecialtyMissing { specialty });
    }
    let held = &agent.skills.certifications;
    let required_by_policy = need.policy.map_or(&[][..], |p| &p.required_certifications);
    if let Some(missing) = required_by_policy.iter().find(|c| !held.contains(c)) {
        return Err(Mismatch::OrganisationCertificationMissing {
            certification: missing.clone(),
        });
    }
    if !pool.requirements_dropped {
        let requirements = need.requirements;
        if let Some(missing) = requirements
            .certifications
            .iter()
            .find(|c| !held.contains(c))
        {
            return Err(Mismatch::CertificationMissing {
                certification: missing.clone(),
            });
        }
        if let Some(wanted) = &requirements.gender
            && agent.profile.gender.as_ref() != Some(wanted)
        {
            return Err(Mismatch::GenderMismatch {
                wanted: wanted.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
