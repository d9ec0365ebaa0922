//! The `steward` binary: parse the command line and hand over to the library.

use clap::Parser;

fn main() {
    let cli = steward::cli::Cli::parse();
    if let Err(e) = steward::cli::run(cli) {
        eprintln!("steward: {e:#}");
        std::process::exit(1);
    }
}
