//! Azure resource types for quikinfra (being written).
