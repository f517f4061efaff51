//! Call legs ("channels", one per leg, owned by a tenant) and what
//! describes them.

pub mod cause;
