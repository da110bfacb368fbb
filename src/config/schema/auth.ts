import { z } from "zod";

// `auth.*`: metadata about auth profiles, never the secrets themselves; those live in each agent's
// auth-profiles.json (reference-agent §6.5–§6.6, AUTH-16).

export const AuthProfileMode = z.enum(["api_key", "oauth", "token"]);

const AuthProfileMetaSchema = z.object({
  provider: z.string().min(1),
  mode: AuthProfileMode,
  email: z.string().optional(),
});

const CooldownsSchema = z
  .object({
    billingBackoffHours: z.number().positive().default(5),
    billingBackoffHoursByProvider: z.record(z.string(), z.number().positive()).optional(),
    billingMaxHours: z.number().positive().default(24),
    failureWindowHours: z.number().positive().default(24),
  })
  .prefault({});

export const AuthSchema = z
  .object({
    profiles: z.record(z.string(), AuthProfileMetaSchema).optional(),
    /** Rotation order per provider: profile ids tried first to last. */
    order: z.record(z.string(), z.array(z.string())).optional(),
    cooldowns: CooldownsSchema,
  })
  .prefault({});
