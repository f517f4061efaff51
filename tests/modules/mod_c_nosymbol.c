/*
 * mod_c_nosymbol — a shared library that is not a module: it does not
 * export `switchyard_module`. The host must refuse it, naming that symbol.
 */
#include "switchyard.h"

SY_EXPORT const uint32_t not_a_switchyard_module = SY_ABI_MAJOR;
