/** reachability diagnostics (MC3xxx). */
export {};
