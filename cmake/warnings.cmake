# Warnings for our own code; third-party headers come from the system and are -isystem.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
