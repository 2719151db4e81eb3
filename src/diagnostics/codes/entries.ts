/** entries diagnostics (MC11xx). */
export {};
