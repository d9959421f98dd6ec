// Entry point shared by the libFuzzer targets under Fuzz/Targets (see Fuzz/Support/FuzzSupport.c).
#ifndef MYNAGATE_FUZZ_SUPPORT_H
#define MYNAGATE_FUZZ_SUPPORT_H

/// Runs libFuzzer's driver (its usual command line) over the target's `LLVMFuzzerTestOneInput`.
int mynagate_fuzz_main(int argc, char **argv);

#endif
