//! `player-host`: the command line (see `player_host::cli`).

fn main() -> std::process::ExitCode {
    player_host::cli::main()
}
