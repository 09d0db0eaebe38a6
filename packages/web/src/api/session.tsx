import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, onUnauthenticated } from './client';

export interface SessionUser {
  username: string;
  displayName?: string | null;
  isAdmin?: boolean;
  teams?: { team: string; role: string }[];
  skills?: string[];
}

export interface Session {
  /** null: anonymous (allowed or not, see `anonymous`). */
  user: SessionUser | null;
  anonymous: 'off' | 'read' | 'full';
}

interface SessionState {
  session: Session | null;
  loading: boolean;
  error: Error | null;
  reload(): Promise<void>;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | null>(null);
  const reload = useCallback(async () => {
    try {
      setSession(await api.get<Session>('/api/v1/auth/session'));
      setError(null);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
    return onUnauthenticated(() => void reload());
  }, [reload]);
  const login = useCallback(async (username: string, password: string) => {
    await api.post('/api/v1/auth/login', { username, password });
    await reload();
  }, [reload]);
  const logout = useCallback(async () => {
    await api.post('/api/v1/auth/logout');
    await reload();
  }, [reload]);
  return <Ctx.Provider value={{ session, loading, error, reload, login, logout }}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** True when the caller may change things (logged in, or anonymous with full access on a loopback server). */
export function useCanWrite(): boolean {
  const { session } = useSession();
  return !!session && (session.user !== null || session.anonymous === 'full');
}
