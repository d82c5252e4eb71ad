# The cache rule, as ninja's: an output is remade when the command that makes it
# changed, its stage binary changed, or the content of a file it reads changed;
# a remade artifact whose content comes out the same remakes nothing after it
# (early cutoff, as ninja's `restat` and Shake's). Every stage's rule comes
# from one macro:
#
#   $(call stage,OUTPUTS,INPUTS,COMMAND)
#
# makes OUTPUTS (all at once) by COMMAND, which reads INPUTS (every file it
# opens: Tests/pipeline/test_declared_reads.py checks it under strace). COMMAND
# is written once: the recipe runs that text (behind $(LAUNCH)), and the first
# output's stamp, DIR/.NAME.cmd, records it after a success, with the digest of
# the stage binary (its first word) and the content digest of each input
# artifact (DIR/.NAME.digest, which every stage writes beside each HDF5 file).
#
# - Make compares each stamp with the current text while it reads the makefiles
#   and gives the rules whose text differs a prerequisite that always counts as
#   new (FORCE): no file is written before a recipe runs, so `make -n` lists
#   what `make` runs.
# - A rule that fires only because an input artifact is newer, while the stamp
#   still matches (the artifact was remade with the same content), touches its
#   outputs instead of running its command: the stages after a remade artifact
#   whose content did not change do not rerun. `make -n` cannot know a content
#   before it is computed: there it lists the command.
# - `make status` prints, for every output, why the next `make` would remake it.

comma := ,
space := $(subst ,, )
# $(call commas,A B C): A,B,C
commas = $(subst $(space),$(comma),$(strip $1))
define newline


endef
# $(call same.text,A,B): non-empty when A and B are the same text.
same.text = $(and $(findstring x$1,x$2),$(findstring x$2,x$1))
# $(call whole.number,X): non-empty when X is one whole number without leading zeros.
whole.number = $(and $(filter 1,$(words $1)),$(if $(call without.digits,$1,0 1 2 3 4 5 6 7 8 9),,yes),$(if \
  $(filter 0%,$1),$(filter 0,$1),yes))
without.digits = $(if $2,$(call without.digits,$(subst $(firstword $2),,$1),$(wordlist 2,10,$2)),$1)

cache.stamp = $(dir $1).$(notdir $1).cmd
cache.digest = $(dir $1).$(notdir $1).digest
# What an output is made from, as its stamp records it, a line each: the command, the binary's
# digest, each input (an artifact with its content digest). $(call cache.lines,KEY,SEPARATOR,QUOTE).
cache.lines = $(call $3,$(cache.command.$1))$(foreach b,$(cache.binary.$1),$2$(call $3,$(strip $(file <$b.sha256))))$(foreach \
  i,$(cache.inputs.$1),$2$(call $3,$i$(addprefix $(space),$(strip $(file <$(call cache.digest,$i))))))
cache.text = $(subst $(space)$(newline),$(newline),$(call cache.lines,$1,$(newline),cache.as-is))
cache.as-is = $1
# The same lines as printf's arguments (a recipe line holds no newline).
cache.quote = '$(subst ','\'',$1)'
cache.arguments = $(call cache.lines,$1,$(space),cache.quote)
# (Compared as words: make 4.3's $(file <) keeps the last newline.)
cache.recorded = $(strip $(file <$(call cache.stamp,$1)))
cache.changed = $(if $(call same.text,$(cache.recorded),$(strip $(cache.text))),,$1)
cache.dry-run = $(findstring n,$(firstword -$(MAKEFLAGS)))
cache.silent = $(findstring s,$(firstword -$(MAKEFLAGS)))
# Newer prerequisites whose content the stamp records ($?: those newer than the target).
cache.recorded-inputs = $(cache.artifacts) $(addsuffix .sha256,$(BINARIES)) FORCE
cache.unchanged = $(and $(call cache.exist,$(cache.outputs.$1)),$(call same.text,$(cache.recorded),$(strip $(call \
  cache.text,$1))),$(if $(filter-out $(cache.recorded-inputs),$?),,yes))
cache.exist = $(if $(filter-out $(wildcard $1),$1),,yes)
cache.run = $(strip $(if $(cache.binary.$1),$(LAUNCH)) $(cache.command.$1))
cache.recipe = $(if $(cache.dry-run),$(cache.run),$(if $(call cache.unchanged,$1),@touch $(cache.outputs.$1),@$(if \
  $(cache.silent),,printf '%s\n' $(call cache.quote,$(cache.run));) $(cache.run) && printf '%s\n' $(call \
  cache.arguments,$1) > $(call cache.stamp,$1)))

# The rule; its key is its first output. Several outputs are one grouped target, but under `make -n` each
# later output has its own rule on the first, whose recipe line prints nothing: GNU Make 4.3 does not count a
# grouped target as remade under -n, so what reads it would not be listed.
define cache.rule
cache.targets += $1
cache.outputs.$1 := $2
cache.inputs.$1 := $3
cache.command.$1 := $4
cache.binary.$1 := $(filter $(BINARIES),$(firstword $4))
cache.artifacts += $(filter %.h5,$2)
$(if $(cache.dry-run),$1,$2 $(if $(word 2,$2),&)): $3 $(addsuffix .sha256,$(filter $(BINARIES),$(firstword $4)))
	$$(call cache.recipe,$1)
$(if $(and $(cache.dry-run),$(word 2,$2)),$(wordlist 2,$(words $2),$2): $1
	$$(cache.nothing))
endef
stage = $(eval $(call cache.rule,$(firstword $1),$(strip $1),$(strip $2),$(strip $3)))

# After every rule is read (the end of the Makefile): FORCE where the stamp differs.
cache.force = $(foreach t,$(cache.targets),$(if $(call cache.changed,$t),$(eval $t: FORCE)))

.PHONY: FORCE
FORCE:
