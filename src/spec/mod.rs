//! The executable contract. `schemas/` is read once (embedded in the binary or from a directory),
//! checked against the 2020-12 meta-schema and the x- vocabulary, and compiled into validators.
//! The main type is [`Spec`]; everything else in the crate reads documented limits from here.

mod build;
mod error;
mod fields;
mod load;
mod matching;
mod model;
mod operation;
mod parameter;
mod position;
mod requirement;
mod response;
mod rule;
mod violation;
mod vocabulary;
mod wire;

pub use error::SpecError;
pub use fields::{FieldCursor, ResponseFields};
pub use load::{
    embedded_sha256, embedded_sources, escape_pointer, sources_sha256, BASE_URI, VOCABULARY_FILE,
};
pub use matching::{is_canonical_time, parse_time};
pub use model::{Operation, Spec};
pub use operation::{OperationId, UnknownOperation};
pub use parameter::{Accepting, ParamLocation, ParamType, Parameter};
pub use position::{KeywordPositions, Position};
pub use requirement::{catalogue, DocQuotes, Requirement, Semantic, Subject};
pub use response::{ResponseSchema, MAX_VIOLATIONS_PER_BODY};
pub use rule::RuleId;
pub use violation::{SchemaViolation, MAX_UNEXPECTED_PER_OBJECT};
pub use vocabulary::{
    AuthScheme, CaseRule, Change, DocQuote, DocRef, ErrorEntry, ErrorRole, Filter, Lookup, Mask,
    MaskPart, MatchKind, OperationMeta, PagingRole, Presence, PresenceOutcome, Replaces, Service,
};
pub use wire::WireForm;
