import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { TRPCReactProvider } from '@/client/react';
import './globals.css';

export const metadata: Metadata = {
  title: 'tRPC Actions Starter',
  description: 'Typed tRPC procedures, an embedded database and live data, ready to clone.',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f7f7f8' },
    { media: '(prefers-color-scheme: dark)', color: '#111114' },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
