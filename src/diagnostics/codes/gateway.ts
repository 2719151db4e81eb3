/** gateway diagnostics (MC6xxx). */
export {};
