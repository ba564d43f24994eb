#!/usr/bin/env bash
# no_flags_in_engine.sh — no text of the engine or the data sets names a
# command-line flag: they name a setting through error_setting()
# (engine/error.h), and the front end spells it ("--batch" on flipscope's
# command line). Lists every string literal in engine/ and datasets/ that
# holds a --NAME, and exits 1 if there is one.
#
#   bash tests/no_flags_in_engine.sh        (from the top of the tree)
set -u
cd "$(dirname "$0")/.." || exit 1

files=$(ls engine/*.[ch] datasets/*.[ch])

# Comments, character literals and string literals, in the order they come,
# so a quote inside a comment or a '"' starts nothing; only string literals
# are checked.
found=$(perl -0777 -ne '
  while (m{(/\*.*?\*/|//[^\n]*|\x27(?:[^\x27\\\n]|\\.)*\x27|"((?:[^"\\\n]|\\.)*)")}gs) {
    my ($text, $at) = ($2, $-[0]);
    next unless defined $text && $text =~ /(?<![-\w])--[A-Za-z]/;
    my $line = 1 + (substr($_, 0, $at) =~ tr/\n//);
    print "$ARGV:$line: \"$text\"\n";
  }' $files)

if [ -n "$found" ]; then
  echo "$found"
  echo "no_flags_in_engine: these strings name a flag; name the setting with error_setting()"
  exit 1
fi
echo "no_flags_in_engine: $(echo "$files" | wc -l) files, no flag in their strings"
