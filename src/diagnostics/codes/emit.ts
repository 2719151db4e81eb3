/** emit diagnostics (MC4xxx). */
export {};
