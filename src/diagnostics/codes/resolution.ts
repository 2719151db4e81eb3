/** resolution diagnostics (MC2xxx). */
export {};
