#!/bin/sh
# Runs inside a Docker action's container (docker-action.yml): checks what GitHub documents for
# Docker container actions, then writes an output and an environment variable.
set -e
echo "entrypoint got $# arguments: $*"
[ "$#" = 2 ]
[ "$1" = "$EXPECT_FIRST" ]
[ "$2" = "two words" ]
[ "$(pwd)" = "$GITHUB_WORKSPACE" ]
[ -f "$GITHUB_WORKSPACE/docker-action.yml" ]
[ "$(id -u)" = 0 ]
[ "$CI" = true ]
[ "$GITHUB_ACTIONS" = true ]
[ -n "$GITHUB_SHA" ]
[ "$FROM_STEP_ENV" = step ]
[ "$FROM_JOB_ENV" = job ]
if [ -n "$EXPECT_INPUT" ]; then
  [ "$INPUT_WORD" = "$1" ]
  [ "$INPUT_FALLBACK" = dflt ]
  [ "$FROM_METADATA" = meta ]
fi
echo "result=ok-$1" >> "$GITHUB_OUTPUT"
echo "FROM_DOCKER_ACTION=$1" >> "$GITHUB_ENV"
