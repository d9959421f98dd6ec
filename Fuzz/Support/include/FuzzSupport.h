// Entry point shared by the libFuzzer targets under Fuzz/Targets (see Fuzz/Support/FuzzSupport.c).
#ifndef MYNAGATE_FUZZ_SUPPORT_H
#define MYNAGATE_FUZZ_SUPPORT_H

/// Runs libFuzzer's driver (its usual command line) over the target's `LLVMFuzzerTestOneInput`.
int mynagate_fuzz_main(int argc, char **argv);

/// The same, after one empty input run with LeakSanitizer disabled (builds a target's global fixture).
int mynagate_fuzz_main_warm(int argc, char **argv);

#endif
