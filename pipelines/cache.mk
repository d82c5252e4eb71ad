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
# output (DIR/.NAME.digest, which every stage writes beside each file).
# The folder stage.root (RUN, a sweep's root) is named ROOT in the stamp: a
# copied or moved run folder keeps its cache.
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
# digest, each input (with its content digest, where it has one).
cache.lines = $(call cache.relative,$1,$(cache.command.$1))$(foreach b,$(cache.binary.$1),$(newline)$(strip $(file \
  <$b.sha256)))$(foreach i,$(cache.inputs.$1),$(newline)$(call cache.relative,$1,$i)$(addprefix $(space),$(strip $(file \
  <$(call cache.digest,$i)))))
# The stage's folder (stage.root when it was defined: RUN, a sweep's root) is named ROOT in its stamp, so that a
# copied or moved run folder keeps its cache. $(call cache.relative,KEY,TEXT)
cache.relative = $(if $(cache.root.$1),$(patsubst $(cache.root.$1)/%,ROOT/%,$(subst =$(cache.root.$1)/,=ROOT/,$2)),$2)
cache.text = $(subst $(space)$(newline),$(newline),$(cache.lines))
cache.quote = '$(subst ','\'',$1)'
# The output's folder, made where missing (its stage would make it; the stamp is written before).
cache.folder = $(if $(wildcard $(dir $1).),,$(shell mkdir -p $(dir $1)))
# (Compared as words: make 4.3's $(file <) keeps the last newline.)
cache.recorded = $(strip $(file <$(call cache.stamp,$1)))
cache.changed = $(if $(call same.text,$(cache.recorded),$(strip $(cache.text))),,$1)
cache.dry-run = $(findstring n,$(firstword -$(MAKEFLAGS)))
# Newer prerequisites ($?) whose content the stamp cannot record: a file without a digest sidecar.
cache.unrecorded = $(strip $(foreach f,$(filter-out FORCE $(addsuffix .sha256,$(BINARIES)),$1),$(if $(strip $(file \
  <$(call cache.digest,$f))),,$f)))
cache.unchanged = $(and $(call cache.exist,$(cache.outputs.$1)),$(if $(call cache.changed,$1),,yes),$(if $(call \
  cache.unrecorded,$?),,yes))
cache.exist = $(if $(filter-out $(wildcard $1),$1),,yes)
cache.run = $(strip $(if $(cache.binary.$1),$(LAUNCH)) $(cache.command.$1))
# Run: make writes the stamp beside the key as .NAME.cmd.<make's pid>.new while it expands the recipe (a command
# line holds at most 128 KiB, a sweep report's stamp more; two makes on one run each their own), and a second
# recipe line renames it once the command succeeded; each later output's stamp names the key's. Make echoes the
# command alone, in one write: sweep points' makes share one log.
cache.id = $(eval cache.id := $(shell echo $$PPID))$(cache.id)
cache.new = $(call cache.stamp,$1).$(cache.id).new
cache.later-stamps = $(foreach o,$(wordlist 2,$(words $(cache.outputs.$1)),$(cache.outputs.$1)),$(file \
  >$(call cache.stamp,$o),see $(call cache.relative,$1,$(call cache.stamp,$1))))
cache.write-stamps = $(call cache.folder,$1)$(file >$(cache.new),$(cache.text))$(cache.later-stamps)
cache.recipe = $(if $(cache.dry-run),$(cache.run),$(if $(call cache.unchanged,$1),@touch $(cache.outputs.$1),$(call \
  cache.write-stamps,$1)$(cache.run)$(newline)@mv -f $(cache.new) $(call cache.stamp,$1)))

# The rule; its key is its first output. Several outputs are one grouped target, but under `make -n` each
# later output has a rule of its own on the same prerequisites (and, order-only, the first), whose recipe line
# prints nothing: GNU Make 4.3 does not count a grouped target as remade under -n, so what reads it would not
# be listed.
define cache.rule
cache.targets += $1
cache.outputs.$1 := $2
cache.inputs.$1 := $3
cache.command.$1 := $4
cache.root.$1 := $(stage.root)
cache.binary.$1 := $(filter $(BINARIES),$(firstword $4))
$(if $(cache.dry-run),$1,$2 $(if $(word 2,$2),&)): $3 $$(cache.binary.$1:=.sha256)
	$$(call cache.recipe,$1)
$(if $(and $(cache.dry-run),$(word 2,$2)),$(wordlist 2,$(words $2),$2): $3 $$(cache.binary.$1:=.sha256) | $1
	$$(cache.nothing))
endef
cache.nothing :=
stage = $(eval $(call cache.rule,$(firstword $1),$(strip $1),$(strip $2),$(strip $3)))

# After every rule is read (the end of the Makefile): FORCE where the stamp differs or an output is missing
# (GNU Make 4.3 takes a group for made once one of its outputs is), on every output (a goal may name any).
cache.force = $(foreach t,$(cache.targets),$(if $(call cache.changed,$t)$(if $(call \
  cache.exist,$(cache.outputs.$t)),,missing),$(eval $(cache.outputs.$t): FORCE)))

.PHONY: FORCE
FORCE:

# --- make status: why the next `make` would remake each output, running nothing --------------------------
# For every stage of the goal (a run's table and spectra, a sweep's report): missing; stale with the cause
# (the command's words that changed, old → new; the stage binary; an input whose content changed; a file
# newer than the output that is not an artifact; an input that is itself stale); or up to date. An output
# after a stale one may still be kept: if the stale one's content comes out the same, it is only touched.
cache.key-of = $(firstword $(foreach t,$(cache.targets),$(if $(filter $1,$(cache.outputs.$t)),$t)))
# The recorded and current stamps, a line each: line 1 the command, line 2 the binary, then the inputs.
cache.recorded-lines = $(subst $(space),$(cache.blank),$(file <$(call cache.stamp,$1)))
cache.blank := ¦
cache.line = $(subst $(cache.blank),$(space),$(word $2,$(subst $(newline), ,$1)))
cache.cause = $(strip $(if $(cache.recorded),$(or $(call cache.command-change,$1),$(call \
  cache.binary-change,$1),$(call cache.input-change,$1),changed),no stamp: made before this Makefile or by hand))
cache.command-change = $(if $(call same.text,$(call cache.line,$(cache.recorded-lines),1),$(cache.relative-command)),,command: \
  $(filter-out $(cache.relative-command),$(call cache.line,$(cache.recorded-lines),1)) → $(filter-out $(call \
  cache.line,$(cache.recorded-lines),1),$(cache.relative-command)))
cache.relative-command = $(call cache.relative,$1,$(cache.command.$1))
cache.binary-change = $(foreach b,$(cache.binary.$1),$(if $(findstring $(firstword $(file <$b.sha256)),$(file \
  <$(call cache.stamp,$1))),,$(notdir $b) changed))
cache.input-change = $(firstword $(foreach i,$(cache.inputs.$1),$(if $(findstring $(call cache.relative,$1,$i) $(strip \
  $(file <$(call cache.digest,$i))),$(file <$(call cache.stamp,$1))),,$i¦content¦changed)))
cache.stale-input = $(firstword $(foreach i,$(cache.inputs.$1),$(if $(filter-out up-to-date,$(cache.state.$(call \
  cache.key-of,$i))),$(if $(call cache.key-of,$i),$i))))
# Inputs without a digest (imported data) that are newer than the output: only a shell compares times.
cache.plain-newer = $(foreach i,$(call cache.unrecorded,$(cache.inputs.$1)),$(shell [ $i -nt $1 ] && echo $i))
# $(call cache.assess,KEY): sets cache.state.KEY and cache.reason.KEY.
cache.assess = $(eval cache.state.$1 := $(if $(call cache.exist,$(cache.outputs.$1)),$(if $(call \
  cache.changed,$1)$(call cache.plain-newer,$1)$(call cache.stale-input,$1),stale,up-to-date),missing))$(eval \
  cache.reason.$1 := $(if $(filter stale,$(cache.state.$1)),$(if $(call cache.changed,$1),$(cache.cause),$(if $(call \
  cache.plain-newer,$1),$(firstword $(call cache.plain-newer,$1))¦is¦newer,after¦$(call cache.stale-input,$1)))))
# The stages a goal's files need, in definition order (upstream first).
cache.needed = $(sort $(foreach f,$1,$(foreach k,$(call cache.key-of,$f),$k $(call cache.needed,$(cache.inputs.$k)))))
cache.status-keys = $(filter $(call cache.needed,$1),$(cache.targets))
# $(call cache.status,GOAL FILES): the recipe printing the status, a line per stage.
cache.label.up-to-date := up to date
cache.label.stale := stale
cache.label.missing := missing
cache.status-line = $(call cache.quote,$(cache.label.$(cache.state.$1)): $1$(if $(word 2,$(cache.outputs.$1)), and \
  $(words $(wordlist 2,999,$(cache.outputs.$1))) more)$(if \
  $(cache.reason.$1),$(space)($(subst ¦, ,$(cache.reason.$1)))))
cache.status = @$(foreach k,$(call cache.status-keys,$1),$(call cache.assess,$k))$(if $(digest.pending),echo 'a \
  build is pending: a stage whose binary it changes will be stale too';) printf '%s\n' $(foreach k,$(call \
  cache.status-keys,$1),$(call cache.status-line,$k))
