//! Local resources: things quikinfra manages on the machine it runs on, such as a generated
//! `docker-compose.yml`. They belong to the `local` provider family, served by [`LocalFiles`]
//! whatever the cloud target, because a file is real even when the clouds are simulated.

mod file;
mod provider;

pub use file::LocalFile;
pub use provider::LocalFiles;
