//! The command line's documentation as files, generated from the same definitions as
//! `--help`: shell completion scripts (`player-host completions SHELL`, with
//! clap_complete) and manual pages (`player-host man [COMMAND]`, with clap_mangen). They
//! are printed on stdout, for the user (or a package) to install.

use super::{out, Cli, Ended};
use crate::HostError;
use clap::CommandFactory;

/// The end of `player-host completions --help`.
pub(crate) const COMPLETIONS_HELP: &str = "Install (each shell reads them from there):
  bash:  player-host completions bash > ~/.local/share/bash-completion/completions/player-host
  zsh:   player-host completions zsh > ~/.zfunc/_player-host   (with fpath+=(~/.zfunc) before compinit)
  fish:  player-host completions fish > ~/.config/fish/completions/player-host.fish";

/// The end of `player-host man --help`.
pub(crate) const MAN_HELP: &str = "Examples:
  player-host man | man -l -            read it now
  player-host man run | man -l -        the page of `player-host run`
  player-host man > ~/.local/share/man/man1/player-host.1   install it (`man player-host`)";

/// `player-host completions SHELL`: the completion script on stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<Ended, HostError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "player-host", &mut script);
    out::stdout(&String::from_utf8_lossy(&script))?;
    Ok(Ended::Done)
}

/// `player-host man [COMMAND]`: the manual page (roff) of the command, or of one of its
/// subcommands (`player-host-run(1)`), on stdout.
pub(crate) fn man(command: Option<&str>) -> Result<Ended, HostError> {
    let mut cli = Cli::command();
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => {
            let names: Vec<String> = cli
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let sub = cli.find_subcommand(name).cloned().ok_or_else(|| {
                HostError::Usage(format!(
                    "man: no command {} (commands: {})",
                    player_api::quote(name),
                    names.join(", ")
                ))
            })?;
            sub.name(format!("player-host-{name}"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|source| HostError::Io {
            what: "writing the manual page".into(),
            source,
        })?;
    out::stdout(&String::from_utf8_lossy(&roff))?;
    Ok(Ended::Done)
}
