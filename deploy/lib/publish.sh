# shellcheck shell=bash
# How a release is published: shared by deploy/install.sh and bench/run.sh, which measures the app as it ships.

# The `dotnet publish` options that follow the project, one a line: Release and, on the processors
# .NET publishes ReadyToRun for, the app and its libraries compiled ahead of time for this machine, so
# a start does not wait for the JIT (bench scenario 6). The release still runs on the installed .NET
# runtime (--self-contained false). Other processors get the portable build.
publish_options() {
  local rid=""
  case $(uname -m) in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
  esac
  printf '%s\n' -c Release
  [[ -z $rid ]] || printf '%s\n' -r "$rid" --self-contained false -p:PublishReadyToRun=true
}
