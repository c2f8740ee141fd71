# Warnings for our own code; third-party headers come from the system and are -isystem.
# An ignored Result or Status ([[nodiscard]], docs/STYLE.md) is an error, not a warning.
add_compile_options(-Wall -Wextra -Wno-unused-parameter -Werror=unused-result)
