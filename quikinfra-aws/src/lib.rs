//! AWS resource types for quikinfra (being written).
