/** reconcile diagnostics (MC5xxx). */
export {};
